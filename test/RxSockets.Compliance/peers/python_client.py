#!/usr/bin/python3
"""A python `websockets` client for RxSockets' interop tests (legacy asyncio API, websockets >= 10).

Usage: /usr/bin/python3 python_client.py URL SCENARIO [ARG...]
Scenarios: echo-text, echo-binary (every size in payloads.SIZES), fragments, ping,
close CODE REASON, wait-close, send-binary SIZE (then wait for the close), send-noise SIZE (then close), subprotocol P1,P2,...
Prints one JSON line per check or event on stdout; exits by itself (60 s at most).
"""
import asyncio
import json
import sys

import websockets

import payloads


def emit(**event):
    print(json.dumps(event, ensure_ascii=False), flush=True)


def describe(close):
    return None if close is None else {"code": close.code, "reason": close.reason}


async def closed(ws):
    await ws.wait_closed()
    emit(event="closed", rcvd=describe(ws.close_rcvd), sent=describe(ws.close_sent))


async def run(url, scenario, args):
    subprotocols = args[0].split(",") if scenario == "subprotocol" else None
    try:
        ws = await websockets.connect(url, subprotocols=subprotocols)
    except Exception as error:  # noqa: BLE001 - the test wants to see any handshake failure
        emit(event="error", message=f"{type(error).__name__}: {error}")
        return
    emit(event="open", subprotocol=ws.subprotocol, version=websockets.__version__)
    if scenario in ("echo-text", "echo-binary"):
        make = payloads.text if scenario == "echo-text" else payloads.binary
        for size in payloads.SIZES:
            await ws.send(make(size))
            echo = await ws.recv()
            emit(check=scenario, size=size, ok=echo == make(size))
        await ws.close()
    elif scenario == "fragments":
        await ws.send(payloads.FRAGMENTED_TEXT)
        await ws.send(payloads.FRAGMENTED_BINARY)
        emit(check="fragments-text", ok=await ws.recv() == "".join(payloads.FRAGMENTED_TEXT))
        emit(check="fragments-binary", ok=await ws.recv() == b"".join(payloads.FRAGMENTED_BINARY))
        await ws.close()
    elif scenario == "ping":
        waiter = await ws.ping(payloads.PING_PAYLOAD)
        await asyncio.wait_for(waiter, 30)
        emit(check="ping", ok=True)
        await ws.close()
    elif scenario == "close":
        await ws.close(int(args[0]), args[1])
    elif scenario == "send-binary":
        try:
            await ws.send(payloads.binary(int(args[0])))
        except websockets.ConnectionClosed:
            pass
    elif scenario == "send-noise":
        await ws.send(payloads.noise(int(args[0])))
        await ws.close()
    elif scenario == "subprotocol":
        await ws.close()
    elif scenario != "wait-close":
        raise SystemExit(f"unknown scenario {scenario}")
    await closed(ws)


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(run(sys.argv[1], sys.argv[2], sys.argv[3:]), 60))
