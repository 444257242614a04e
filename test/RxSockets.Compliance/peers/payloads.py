"""Payloads shared by the python peers; the same patterns as Interop/Payloads.cs and payloads.js."""

SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024]
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
FRAGMENTED_TEXT = ["héllo ", "wörld ", "✓"]
FRAGMENTED_BINARY = [bytes(range(0, 10)), bytes(range(10, 20)), bytes(range(20, 25))]
PING_PAYLOAD = "rx-ping-✓".encode()


def text(size):
    """ASCII text of exactly `size` bytes."""
    return (ALPHABET * (size // len(ALPHABET) + 1))[:size]


def binary(size):
    """`size` bytes of the pattern (i * 31 + 7) mod 256."""
    return bytes((i * 31 + 7) & 0xFF for i in range(size))


def noise(size):
    """`size` incompressible bytes: bits 16-23 of the LCG x = x * 1103515245 + 12345 mod 2**31, from x = 1."""
    out = bytearray(size)
    x = 1
    for i in range(size):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out[i] = (x >> 16) & 0xFF
    return bytes(out)
