"""A feed client in python websockets that follows a topic across nodes.

Connects to each URL in turn: subscribes (resuming with the last sequence and epoch it saw once it
has seen one), prints every server message as one JSON line, and moves to the next URL when the
connection drops. Exits after the data message with sequence --last.
"""
import argparse
import asyncio
import json

import websockets


async def main(urls, topic, last):
    seq = None
    epoch = None
    for url in urls:
        try:
            async with websockets.connect(url, subprotocols=["rxsockets.feeds.v1"], open_timeout=30) as ws:
                request = {"type": "subscribe", "topic": topic}
                if seq is not None:
                    request.update(since=seq, epoch=epoch)
                await ws.send(json.dumps(request))
                async for raw in ws:
                    message = json.loads(raw)
                    print(json.dumps(message), flush=True)
                    if message["type"] == "subscribed" or (message["type"] == "reset" and "epoch" in message):
                        epoch = message["epoch"]
                    elif message["type"] == "data":
                        seq = message["seq"]
                        if seq >= last:
                            return
        except (websockets.ConnectionClosed, OSError) as error:
            pass
        print(json.dumps({"type": "dropped", "url": url}), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--topic", required=True)
    parser.add_argument("--last", type=int, required=True)
    parser.add_argument("urls", nargs="+")
    arguments = parser.parse_args()
    asyncio.run(asyncio.wait_for(main(arguments.urls, arguments.topic, arguments.last), 60))
