using System;
using System.Reactive.Concurrency;
using System.Reflection;

namespace RxSockets.Testing;

/// <summary>
/// Copies of the caller's options for virtual connections: the clock becomes the scheduler's and
/// everything runs inline, without touching the caller's objects. Every public setting is copied
/// (by reflection, so a setting added later is not forgotten): the connection settings from any
/// <see cref="WebSocketOptions"/>, the server's or client's own only from options of that kind.
/// </summary>
internal static class VirtualOptions
{
    /// <summary>Server settings from <paramref name="options"/>.</summary>
    public static WebSocketServerOptions ForServer(WebSocketOptions? options, VirtualTimeScheduler<long, long> scheduler) => Copy<WebSocketServerOptions>(options, scheduler);

    /// <summary>Client settings from <paramref name="options"/>.</summary>
    public static WebSocketClientOptions ForClient(WebSocketOptions? options, VirtualTimeScheduler<long, long> scheduler) => Copy<WebSocketClientOptions>(options, scheduler);

    private static T Copy<T>(WebSocketOptions? from, VirtualTimeScheduler<long, long> scheduler)
        where T : WebSocketOptions, new()
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        var copy = new T();
        if (from is not null)
        {
            foreach (PropertyInfo property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.CanRead && property.CanWrite && property.DeclaringType!.IsInstanceOfType(from))
                {
                    property.SetValue(copy, property.GetValue(from));
                }
            }
        }

        copy.TimeProvider = scheduler.AsTimeProvider();
        copy.Execution = InlineExecution.Instance;
        copy.Validate();
        return copy;
    }
}
