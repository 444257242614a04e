using System;

namespace RxSockets;

/// <summary>A topic's source, subscribed once per run (from the first subscriber until the linger after the last).</summary>
internal abstract class TopicSource
{
    /// <summary>Whether the topic's messages carry a key.</summary>
    public abstract bool HasKey { get; }

    /// <summary>Subscribes the source; its notifications go to <paramref name="topic"/>, tagged with <paramref name="run"/>.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="run">The run they belong to; notifications of an older run are ignored.</param>
    /// <returns>The subscription.</returns>
    public abstract IDisposable Subscribe(FeedTopic topic, int run);
}

/// <summary>An <see cref="IObservable{T}"/> source and the formatter of its values.</summary>
/// <typeparam name="T">The value type.</typeparam>
internal sealed class TopicSource<T>(IObservable<T> source, DataFormatter<T> formatter, bool hasKey) : TopicSource
{
    /// <inheritdoc/>
    public override bool HasKey => hasKey;

    /// <inheritdoc/>
    public override IDisposable Subscribe(FeedTopic topic, int run) => source.Subscribe(new Observer(topic, run, formatter));

    private sealed class Observer(FeedTopic topic, int run, DataFormatter<T> formatter) : IObserver<T>
    {
        public void OnNext(T value) => topic.Publish(run, value, formatter);

        public void OnError(Exception error) => topic.EndRun(run, error);

        public void OnCompleted() => topic.EndRun(run, null);
    }
}
