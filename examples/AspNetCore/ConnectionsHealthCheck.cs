using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspNetCoreExample;

/// <summary>Healthy, with the chat's open connections as data (a real app might turn degraded above a limit).</summary>
public sealed class ConnectionsHealthCheck(ChatRooms rooms) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy("WebSocket endpoints are up", new Dictionary<string, object> { ["chatConnections"] = rooms.Count }));
}
