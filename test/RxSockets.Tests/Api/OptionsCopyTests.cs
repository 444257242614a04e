using System;
using System.Linq;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;
using RxSockets.Protocol;

namespace RxSockets.Tests.Api;

/// <summary>
/// The per-connection copy of the options (servers and <c>CreateFromStream</c> give each
/// connection its own) must carry every setting: this test fails when a property is added to
/// <see cref="WebSocketOptions"/> and the copy does not take it.
/// </summary>
[TestFixture]
public sealed class OptionsCopyTests
{
    [Test]
    public void CloneConnectionOptions_CopiesEverySetting()
    {
        var original = new WebSocketOptions();
        PropertyInfo[] settings = typeof(WebSocketOptions)
            .GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Where(p => p.CanRead && p.CanWrite && p.DeclaringType == typeof(WebSocketOptions))
            .ToArray();
        Assert.That(settings, Is.Not.Empty);
        foreach (PropertyInfo setting in settings)
        {
            object sample = SampleFor(setting);
            Assert.That(sample, Is.Not.EqualTo(setting.GetValue(original)), $"the sample for {setting.Name} must differ from its default");
            setting.SetValue(original, sample);
        }

        WebSocketOptions copy = original.CloneConnectionOptions();

        foreach (PropertyInfo setting in settings)
        {
            Assert.That(setting.GetValue(copy), Is.EqualTo(setting.GetValue(original)), $"{setting.Name} is not copied by CloneConnectionOptions");
        }
    }

    /// <summary>A value different from the default for each setting's type; a new type needs a new line here.</summary>
    private static object SampleFor(PropertyInfo setting) => setting.PropertyType switch
    {
        Type t when t == typeof(int) => 77,
        Type t when t == typeof(long) => 7777L,
        Type t when t == typeof(bool) => !(bool)setting.GetValue(new WebSocketOptions())!,
        Type t when t == typeof(TimeSpan) => TimeSpan.FromSeconds(123),
        Type t when t == typeof(TimeSpan?) => TimeSpan.FromSeconds(321),
        Type t when t == typeof(ProtocolLimits) => new ProtocolLimits { MaxMessageSize = 5 },
        Type t when t == typeof(TimeProvider) => new RecordingTimeProvider(),
        Type t when t == typeof(ILoggerFactory) => new NullLoggerFactory(),
        Type t when t == typeof(System.Diagnostics.Metrics.IMeterFactory) => new TestMeterFactory(),
        Type t when t == typeof(IMaskKeyProvider) => new FixedMaskKeyProvider(42),
        Type t when t == typeof(PerMessageDeflateOptions) => new PerMessageDeflateOptions { Threshold = 9 },
        Type t when t == typeof(ConnectionExecution) => new SampleExecution(),
        _ => throw new AssertionException($"No sample value for {setting.Name} ({setting.PropertyType}): add one, and make sure CloneConnectionOptions copies it."),
    };

    private sealed class SampleExecution : ConnectionExecution
    {
        public override bool RunContinuationsAsynchronously => true;

        public override bool AllowsCallerWrites => true;

        public override System.Runtime.CompilerServices.ConfiguredValueTaskAwaitable Yield() => System.Threading.Tasks.ValueTask.CompletedTask.ConfigureAwait(false);

        public override System.Threading.Tasks.Task CancelAsync(System.Threading.CancellationTokenSource source) => source.CancelAsync();
    }
}
