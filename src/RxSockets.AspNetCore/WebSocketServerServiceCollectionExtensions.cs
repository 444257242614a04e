using System;
using System.Diagnostics.Metrics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RxSockets;

/// <summary>
/// <c>services.AddWebSocketServer(handler)</c>: the standalone <see cref="WebSocketServer"/> as a
/// hosted service of the Generic Host (docs/aspnetcore.md, "Generic Host").
/// </summary>
/// <remarks>
/// <code>
/// builder.Services.AddWebSocketServer(async (ws, ct) =&gt; { ... })
///     .BindConfiguration("WebSocketServer"); // Host, Port, MaxQueue, PingInterval, Limits:MaxMessageSize, ...
/// </code>
/// The options are validated when the host starts (<see cref="WebSocketOptions.Validate"/>): an
/// invalid value stops the start with an <see cref="OptionsValidationException"/> naming it.
/// <see cref="WebSocketOptions.LoggerFactory"/> and <see cref="WebSocketOptions.MeterFactory"/>
/// default to the host's. Several servers: give each a name.
/// </remarks>
public static class WebSocketServerServiceCollectionExtensions
{
    /// <summary>Adds a WebSocket server with an async handler, run by the host.</summary>
    /// <param name="services">The services.</param>
    /// <param name="handler">Runs once per connection; the connection closes when it returns.</param>
    /// <param name="name">The server's name: its options' name and its service key; <see langword="null"/> for the unnamed server.</param>
    /// <returns>The options builder: bind configuration or configure the options with it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="handler"/> is null.</exception>
    public static OptionsBuilder<WebSocketServerOptions> AddWebSocketServer(this IServiceCollection services, Func<WebSocketConnection, CancellationToken, Task> handler, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return services.AddWebSocketServer(_ => handler, name);
    }

    /// <summary>Adds a WebSocket server with an Rx handler, run by the host.</summary>
    /// <param name="services">The services.</param>
    /// <param name="handler">Returns the messages to send; its completion closes the connection with 1000, its error with 1011.</param>
    /// <param name="name">The server's name, or <see langword="null"/> for the unnamed server.</param>
    /// <returns>The options builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="handler"/> is null.</exception>
    public static OptionsBuilder<WebSocketServerOptions> AddWebSocketServer(this IServiceCollection services, Func<WebSocketConnection, IObservable<Message>> handler, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Func<WebSocketConnection, CancellationToken, Task> run = WebSocketHandler.FromRx(handler);
        return services.AddWebSocketServer(_ => run, name);
    }

    /// <summary>
    /// Adds a WebSocket server whose handler comes from the container, for example a
    /// <c>FeedHub</c>'s: <c>services.AddWebSocketServer(sp =&gt; sp.GetRequiredService&lt;FeedHub&gt;().ServeAsync)</c>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="handlerFactory">Creates the handler once, when the server is resolved.</param>
    /// <param name="name">The server's name, or <see langword="null"/> for the unnamed server.</param>
    /// <returns>The options builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="handlerFactory"/> is null.</exception>
    public static OptionsBuilder<WebSocketServerOptions> AddWebSocketServer(this IServiceCollection services, Func<IServiceProvider, Func<WebSocketConnection, CancellationToken, Task>> handlerFactory, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(handlerFactory);
        string optionsName = name ?? Options.DefaultName;
        services.AddOptions();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebSocketServerOptions>, WebSocketServerOptionsValidator>());

        // A private copy of the limits first: binding configuration into the shared default would change it for the whole process.
        OptionsBuilder<WebSocketServerOptions> builder = services.AddOptions<WebSocketServerOptions>(optionsName)
            .Configure(options => options.Limits = options.Limits with { })
            .PostConfigure<IServiceProvider>((options, provider) =>
            {
                options.LoggerFactory ??= provider.GetService<ILoggerFactory>();
                options.MeterFactory ??= provider.GetService<IMeterFactory>();
            })
            .ValidateOnStart();

        services.AddKeyedSingleton(name, (provider, _) => new WebSocketServerService(optionsName, handlerFactory(provider), provider.GetRequiredService<IOptionsMonitor<WebSocketServerOptions>>()));
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredKeyedService<WebSocketServerService>(name));
        return builder;
    }
}
