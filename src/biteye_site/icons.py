"""A favicon.ico made in code (a PNG inside an ICO), so /favicon.ico never 404s."""

from __future__ import annotations

import struct
import zlib

_SIZE = 32
# 8x8 glyph of a "b", scaled x3 and centred on the brand colour.
_GLYPH = ["11000000", "11000000", "11000000", "11111100", "11000110", "11000110", "11000110", "11111100"]


def _png(size: int, color: tuple[int, int, int]) -> bytes:
    rows = []
    scale, offset = 3, (size - 8 * 3) // 2
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            gx, gy = (x - offset) // scale, (y - offset) // scale
            on = 0 <= gx < 8 and 0 <= gy < 8 and _GLYPH[gy][gx] == "1"
            row += bytes((255, 255, 255, 255)) if on else bytes((*color, 255))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


def favicon_ico(color: tuple[int, int, int] = (0xB3, 0x26, 0x1E)) -> bytes:
    png = _png(_SIZE, color)
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", _SIZE, _SIZE, 0, 0, 1, 32, len(png), 6 + 16)
    return directory + entry + png
