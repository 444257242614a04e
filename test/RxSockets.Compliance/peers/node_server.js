#!/usr/bin/env node
'use strict';
// A Node `ws` server for RxSockets' interop tests.
// Usage: node node_server.js [--lifetime SECONDS]
// Binds 127.0.0.1 on a free port and prints one JSON line per event on stdout:
//   {"event":"ready","port":N,"version":"8.23.0"}    once listening
//   {"event":"open","path":...,"subprotocol":...}    per connection
//   {"event":"closed","path":...,"rcvd":{code,reason}} per connection, once closed
// Routes: /echo echoes every message; /fragments sends fragmented text (split inside a UTF-8
// character) and binary messages, then echoes; /ping pings the client and reports the pong as a
// text message; /big?size=N sends a binary message of N bytes, then echoes; /close?code=N&reason=R closes with that code and reason. Subprotocols chat.v1 and
// chat.v2 are supported (the first one the client offers wins, as in python websockets).
// Exits when stdin closes or after --lifetime seconds (default 120), whichever comes first.
const { WebSocketServer } = require('ws');
const p = require('./payloads');

const supported = ['chat.v1', 'chat.v2'];
const lifetimeArg = process.argv.indexOf('--lifetime');
const lifetime = lifetimeArg > 0 ? Number(process.argv[lifetimeArg + 1]) : 120;

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  handleProtocols: (offered) => [...offered].find((name) => supported.includes(name)) ?? false,
});

wss.on('listening', () => p.emit({ event: 'ready', port: wss.address().port, version: require('ws/package.json').version }));

wss.on('connection', (ws, req) => {
  const url = new URL(req.url, 'http://peer');
  p.emit({ event: 'open', path: url.pathname, subprotocol: ws.protocol || null });
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('pong', (data) => ws.send('pong:' + data.toString('hex')));
  ws.on('close', (code, reason) => p.emit({ event: 'closed', path: url.pathname, rcvd: { code, reason: reason.toString('utf8') } }));
  if (url.pathname === '/fragments') {
    ws.send(p.FRAGMENTED_TEXT.subarray(0, p.FRAGMENTED_TEXT_CUT), { binary: false, fin: false });
    ws.send(p.FRAGMENTED_TEXT.subarray(p.FRAGMENTED_TEXT_CUT), { binary: false, fin: true });
    p.FRAGMENTED_BINARY.forEach((part, i) => ws.send(part, { binary: true, fin: i === p.FRAGMENTED_BINARY.length - 1 }));
  } else if (url.pathname === '/ping') {
    ws.ping(p.PING_PAYLOAD);
  } else if (url.pathname === '/big') {
    ws.send(p.binary(Number(url.searchParams.get('size'))));
  } else if (url.pathname === '/close') {
    ws.close(Number(url.searchParams.get('code')), url.searchParams.get('reason') ?? '');
  }
});

function shutdown() {
  for (const client of wss.clients) client.terminate();
  wss.close(() => process.exit(0));
}

process.stdin.on('end', shutdown);
process.stdin.on('data', () => {});
setTimeout(shutdown, lifetime * 1000);
