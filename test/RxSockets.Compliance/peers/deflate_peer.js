'use strict';
// permessage-deflate peer for RxSockets' DeflateInteropTests (Node ws 8).
//
// Usage: node deflate_peer.js server '<json>' [--lifetime SECONDS]
//        node deflate_peer.js client <uri> '<json>'
// <json> is ws' perMessageDeflate option object (serverNoContextTakeover, clientNoContextTakeover,
// serverMaxWindowBits, clientMaxWindowBits, threshold, ...).
// Prints one JSON line per event on stdout, as deflate_peer.py does:
//   {"event":"ready","port":N}  {"event":"open","extensions":"..."}  {"check":"text","size":N,"ok":true}
//   {"event":"closed","code":N}  {"event":"error","message":"..."}
const { WebSocket, WebSocketServer } = require('ws');

const SIZES = [0, 1, 100, 1024, 5000, 70000, 300000];
const emit = (event) => process.stdout.write(JSON.stringify(event) + '\n');
const text = (size) => 'permessage-deflate interop '.repeat(Math.ceil(size / 27) + 1).slice(0, size);
const binary = (size) => Buffer.from(Array.from({ length: size }, (_, i) => (i % 251) ^ (Math.floor(i / 1000) % 256)));

function client(uri, options) {
  const ws = new WebSocket(uri, { perMessageDeflate: options, maxPayload: 1 << 24 });
  const queue = [];
  for (const size of SIZES) {
    queue.push(['text', size, text(size)], ['binary', size, binary(size)]);
  }
  let current;
  const next = () => {
    current = queue.shift();
    if (current) {
      ws.send(current[2], { binary: current[0] === 'binary' });
    } else {
      ws.close(1000);
    }
  };
  ws.on('open', () => {
    emit({ event: 'open', extensions: ws.extensions || null });
    next();
  });
  ws.on('message', (data, isBinary) => {
    const [kind, size, payload] = current;
    const ok = kind === 'text' ? !isBinary && data.toString('utf8') === payload : isBinary && Buffer.compare(data, payload) === 0;
    emit({ check: kind, size, ok });
    next();
  });
  ws.on('close', (code) => emit({ event: 'closed', code }));
  ws.on('error', (error) => emit({ event: 'error', message: String(error) }));
}

function server(options, lifetime) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: options, maxPayload: 1 << 24 });
  wss.on('listening', () => emit({ event: 'ready', port: wss.address().port }));
  wss.on('connection', (ws) => {
    emit({ event: 'open', extensions: ws.extensions || null });
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  setTimeout(() => process.exit(0), lifetime * 1000).unref();
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

try {
  if (process.argv[2] === 'server') {
    const lifetime = process.argv[4] === '--lifetime' ? Number(process.argv[5]) : 120;
    server(JSON.parse(process.argv[3]), lifetime);
  } else {
    client(process.argv[3], JSON.parse(process.argv[4]));
  }
} catch (error) {
  emit({ event: 'error', message: String(error) });
}
