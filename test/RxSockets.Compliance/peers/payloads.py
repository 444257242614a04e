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
