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

function emit(event) {
  process.stdout.write(JSON.stringify(event) + '\n');
}

module.exports = { SIZES, FRAGMENTED_TEXT, FRAGMENTED_TEXT_CUT, FRAGMENTED_BINARY, PING_PAYLOAD, text, binary, emit };
