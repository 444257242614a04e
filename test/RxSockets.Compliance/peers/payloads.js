'use strict';
// Payloads shared by the node peers; the same patterns as Interop/Payloads.cs and payloads.py.

const SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024];
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
// "héllo wörld ✓" as UTF-8, cut inside the 3-byte "✓" so a fragment boundary splits a character.
const FRAGMENTED_TEXT = Buffer.from('héllo wörld ✓', 'utf8');
const FRAGMENTED_TEXT_CUT = FRAGMENTED_TEXT.length - 2;
const FRAGMENTED_BINARY = [Buffer.from([...Array(10).keys()]), Buffer.from([...Array(10).keys()].map((i) => i + 10)), Buffer.from([20, 21, 22, 23, 24])];
const PING_PAYLOAD = Buffer.from('rx-ping-✓', 'utf8');

/** ASCII text of exactly `size` bytes. */
function text(size) {
  return ALPHABET.repeat(Math.floor(size / ALPHABET.length) + 1).slice(0, size);
}

/** `size` bytes of the pattern (i * 31 + 7) mod 256. */
function binary(size) {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

/** `size` incompressible bytes: bits 16-23 of the LCG x = x * 1103515245 + 12345 mod 2**31, from x = 1. */
function noise(size) {
  const bytes = Buffer.alloc(size);
  let x = 1n;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245n + 12345n) & 0x7fffffffn;
    bytes[i] = Number((x >> 16n) & 0xffn);
  }
  return bytes;
}

function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

module.exports = { SIZES, FRAGMENTED_TEXT, FRAGMENTED_TEXT_CUT, FRAGMENTED_BINARY, PING_PAYLOAD, text, binary, noise, emit };
