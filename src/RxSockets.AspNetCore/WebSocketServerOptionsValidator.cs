using System;
using Microsoft.Extensions.Options;

namespace RxSockets;

/// <summary>Validates server options with their own <see cref="WebSocketServerOptions.Validate"/>, so the host refuses to start on an invalid value and names it.</summary>
internal sealed class WebSocketServerOptionsValidator : IValidateOptions<WebSocketServerOptions>
{
    public ValidateOptionsResult Validate(string? name, WebSocketServerOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail($"WebSocket server options{(string.IsNullOrEmpty(name) ? string.Empty : $" '{name}'")}: {ex.Message}");
        }
    }
}
