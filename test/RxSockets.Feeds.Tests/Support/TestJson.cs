using System.Text.Json.Serialization;

namespace RxSockets.Feeds.Tests;

/// <summary>A reading of a simulated sensor.</summary>
public sealed record Reading(string Sensor, double Value);

/// <summary>Source-generated JSON for the tests' value types: what keeps a feed trimming and AOT friendly.</summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(Reading))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
public sealed partial class TestJson : JsonSerializerContext;
