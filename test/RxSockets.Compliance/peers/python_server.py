#!/usr/bin/python3
"""A python `websockets` server for RxSockets' interop tests (legacy asyncio API, websockets >= 10).

Usage: /usr/bin/python3 python_server.py [--lifetime SECONDS] [--port PORT]
Binds 127.0.0.1 on PORT (default: a free port) and prints one JSON line per event on stdout:
  {"event": "ready", "port": N, "version": "10.4"}   once listening
  {"event": "open", "path": ..., "subprotocol": ...}  per connection
  {"event": "closed", "path": ..., "rcvd": {...}, "sent": {...}}  per connection, once closed
Routes: /echo echoes every message; /fragments sends fragmented text and binary messages, then
echoes; /ping pings the client and reports the pong as a text message; /big?size=N sends a binary message of N bytes, then echoes; /close?code=N&reason=R
closes with that code and reason. Subprotocols chat.v1 and chat.v2 are supported.
Exits when stdin closes or after --lifetime seconds (default 120), whichever comes first.
"""
import asyncio
import json
import os
import sys
import urllib.parse

import websockets

import payloads


def emit(**event):
    print(json.dumps(event, ensure_ascii=False), flush=True)


def describe(close):
    return None if close is None else {"code": close.code, "reason": close.reason}


async def handler(ws):
    url = urllib.parse.urlsplit(ws.path)
    query = urllib.parse.parse_qs(url.query)
    emit(event="open", path=url.path, subprotocol=ws.subprotocol)
    try:
        if url.path == "/fragments":
            await ws.send(payloads.FRAGMENTED_TEXT)
            await ws.send(payloads.FRAGMENTED_BINARY)
        elif url.path == "/ping":
            waiter = await ws.ping(payloads.PING_PAYLOAD)
            await asyncio.wait_for(waiter, 30)
            await ws.send("pong:" + payloads.PING_PAYLOAD.hex())
        elif url.path == "/big":
            await ws.send(payloads.binary(int(query["size"][0])))
        elif url.path == "/close":
            await ws.close(int(query["code"][0]), query.get("reason", [""])[0])
        async for message in ws:
            await ws.send(message)
    except websockets.ConnectionClosed:
        pass
    finally:
        await ws.wait_closed()
        emit(event="closed", path=url.path, rcvd=describe(ws.close_rcvd), sent=describe(ws.close_sent))


async def main(lifetime, port):
    stop = asyncio.get_running_loop().create_future()

    def on_stdin():
        if not os.read(sys.stdin.fileno(), 4096) and not stop.done():
            stop.set_result("stdin closed")

    asyncio.get_running_loop().add_reader(sys.stdin.fileno(), on_stdin)
    async with websockets.serve(handler, "127.0.0.1", port, subprotocols=["chat.v1", "chat.v2"]) as server:
        port = server.sockets[0].getsockname()[1]
        emit(event="ready", port=port, version=websockets.__version__)
        try:
            await asyncio.wait_for(stop, lifetime)
        except asyncio.TimeoutError:
            pass


if __name__ == "__main__":
    lifetime = float(sys.argv[sys.argv.index("--lifetime") + 1]) if "--lifetime" in sys.argv else 120.0
    port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
    asyncio.run(main(lifetime, port))
