#!/usr/bin/python3
"""permessage-deflate peer for RxSockets' DeflateInteropTests (python websockets >= 10, legacy asyncio API).

Usage: /usr/bin/python3 deflate_peer.py server '<json>' [--lifetime SECONDS]
       /usr/bin/python3 deflate_peer.py client <uri> '<json>'
<json> holds the keyword arguments of ServerPerMessageDeflateFactory / ClientPerMessageDeflateFactory
(server_no_context_takeover, client_no_context_takeover, server_max_window_bits, client_max_window_bits,
compress_settings); it replaces websockets' default compression settings.
Prints one JSON line per event on stdout:
  {"event": "ready", "port": N}                                   server, once listening
  {"event": "open", "extensions": "<Sec-WebSocket-Extensions>"}   per connection (null if not negotiated)
  {"check": "text"|"binary", "size": N, "ok": true}               client, per echoed message
  {"event": "closed", "code": N}                                  client, at the end
The client sends one text and one binary message per size and expects each echoed back unchanged.
The server echoes every message and exits when stdin closes. Errors are reported as {"event": "error", "message": ...}.
"""
import asyncio
import json
import sys

import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory, ServerPerMessageDeflateFactory

SIZES = [0, 1, 100, 1024, 5000, 70000, 300000]


def emit(**event):
    print(json.dumps(event), flush=True)


def text(size):
    return ("permessage-deflate interop " * (size // 27 + 1))[:size]


def binary(size):
    return bytes((i % 251) ^ (i // 1000 % 256) for i in range(size))


def negotiated(headers):
    return headers.get("Sec-WebSocket-Extensions")


async def client(uri, params):
    async with websockets.connect(uri, extensions=[ClientPerMessageDeflateFactory(**params)], compression=None, max_size=2 ** 24) as ws:
        emit(event="open", extensions=negotiated(ws.response_headers))
        for size in SIZES:
            for kind, payload in (("text", text(size)), ("binary", binary(size))):
                await ws.send(payload)
                echo = await ws.recv()
                emit(check=kind, size=size, ok=echo == payload)
        await ws.close()
        emit(event="closed", code=ws.close_code)


async def server(params, lifetime):
    async def handler(ws, path=None):
        emit(event="open", extensions=negotiated(ws.response_headers))
        try:
            async for message in ws:
                await ws.send(message)
        except websockets.ConnectionClosed:
            pass

    async with websockets.serve(handler, "127.0.0.1", 0, extensions=[ServerPerMessageDeflateFactory(**params)], compression=None, max_size=2 ** 24) as srv:
        emit(event="ready", port=srv.sockets[0].getsockname()[1])
        # Until stdin closes (the test disposes the process) or the lifetime ends.
        try:
            await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, sys.stdin.read), lifetime)
        except asyncio.TimeoutError:
            pass


def main():
    try:
        if sys.argv[1] == "server":
            lifetime = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--lifetime" else 120
            asyncio.run(server(json.loads(sys.argv[2]), lifetime))
        else:
            asyncio.run(client(sys.argv[2], json.loads(sys.argv[3])))
    except Exception as error:  # reported, not hidden: the test shows it
        emit(event="error", message=f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
