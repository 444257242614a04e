#!/usr/bin/env node
'use strict';
// A Node `ws` client for RxSockets' interop tests.
// Usage: node node_client.js URL SCENARIO [ARG...]
// Scenarios: echo-text, echo-binary (every size in SIZES), fragments, ping, close CODE REASON,
// wait-close, send-binary SIZE (then wait for the close), send-noise SIZE (then close), subprotocol P1,P2,...
// Prints one JSON line per check or event on stdout; exits by itself (60 s at most).
const WebSocket = require('ws');
const p = require('./payloads');

const [url, scenario, ...args] = process.argv.slice(2);
const protocols = scenario === 'subprotocol' ? args[0].split(',') : [];
const ws = new WebSocket(url, protocols);
const received = [];
let waiting = null;

setTimeout(() => {
  p.emit({ event: 'error', message: 'timed out after 60 s' });
  process.exit(1);
}, 60_000).unref();

function next() {
  return received.length > 0 ? Promise.resolve(received.shift()) : new Promise((resolve) => { waiting = resolve; });
}

ws.on('message', (data, isBinary) => {
  const message = isBinary ? data : data.toString('utf8');
  if (waiting) {
    const resolve = waiting;
    waiting = null;
    resolve(message);
  } else {
    received.push(message);
  }
});

ws.on('error', (error) => p.emit({ event: 'error', message: error.message }));
ws.on('close', (code, reason) => p.emit({ event: 'closed', rcvd: { code, reason: reason.toString('utf8') } }));

ws.on('open', async () => {
  p.emit({ event: 'open', subprotocol: ws.protocol || null, version: require('ws/package.json').version });
  switch (scenario) {
    case 'echo-text':
    case 'echo-binary': {
      for (const size of p.SIZES) {
        const payload = scenario === 'echo-text' ? p.text(size) : p.binary(size);
        ws.send(payload);
        const echo = await next();
        const ok = scenario === 'echo-text' ? echo === payload : Buffer.isBuffer(echo) && echo.equals(payload);
        p.emit({ check: scenario, size, ok });
      }
      ws.close();
      break;
    }
    case 'fragments': {
      ws.send(p.FRAGMENTED_TEXT.subarray(0, p.FRAGMENTED_TEXT_CUT), { binary: false, fin: false });
      ws.send(p.FRAGMENTED_TEXT.subarray(p.FRAGMENTED_TEXT_CUT), { binary: false, fin: true });
      p.FRAGMENTED_BINARY.forEach((part, i) => ws.send(part, { binary: true, fin: i === p.FRAGMENTED_BINARY.length - 1 }));
      p.emit({ check: 'fragments-text', ok: (await next()) === p.FRAGMENTED_TEXT.toString('utf8') });
      const binary = await next();
      p.emit({ check: 'fragments-binary', ok: Buffer.isBuffer(binary) && binary.equals(Buffer.concat(p.FRAGMENTED_BINARY)) });
      ws.close();
      break;
    }
    case 'ping':
      ws.once('pong', (data) => {
        p.emit({ check: 'ping', ok: data.equals(p.PING_PAYLOAD) });
        ws.close();
      });
      ws.ping(p.PING_PAYLOAD);
      break;
    case 'close':
      ws.close(Number(args[0]), args[1]);
      break;
    case 'send-binary':
      ws.send(p.binary(Number(args[0])));
      break;
    case 'send-noise':
      ws.send(p.noise(Number(args[0])));
      ws.close();
      break;
    case 'subprotocol':
      ws.close();
      break;
    case 'wait-close':
      break;
    default:
      p.emit({ event: 'error', message: `unknown scenario ${scenario}` });
      process.exit(2);
  }
});
