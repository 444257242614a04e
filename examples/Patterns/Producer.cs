using System;
using System.Collections.Generic;
using System.Linq;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Threading.Tasks;
using RxSockets;

namespace Patterns;

/// <summary>Producer: the handler returns a feed; RxSockets subscribes the connection to it.</summary>
public static class Producer
{
    /// <summary>The handler: a tick every <paramref name="period"/>, as long as the client stays.</summary>
    public static IObservable<Message> Handle(TimeSpan period, IScheduler scheduler) =>
        Observable.Interval(period, scheduler).Select(i => Message.FromText($"tick {i}"));

    public static async Task<IReadOnlyList<string>> DemoAsync()
    {
        await using WebSocketServer server = await WebSocketServer.StartAsync(_ => Handle(TimeSpan.FromMilliseconds(100), Scheduler.Default), "127.0.0.1", 0);
        await using WebSocketConnection client = await WebSocketClient.ConnectAsync(server.Uri);

        IList<Message> ticks = await client.Take(3).ToList().ToTask().WaitAsync(TimeSpan.FromSeconds(10));
        return ticks.Select(m => $"received {m.Text}").ToList();
    }
}
