using System;
using System.Collections.Generic;
using System.Reactive;

namespace RxSockets.Testing;

/// <summary>An observer that records what it receives, stamped with virtual time.</summary>
/// <typeparam name="T">The element type.</typeparam>
public interface ITestableObserver<T> : IObserver<T>
{
    /// <summary>Every notification received, in order, with the virtual time it arrived at.</summary>
    IList<Recorded<Notification<T>>> Messages { get; }
}
