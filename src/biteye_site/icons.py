"""Brand images made in code (a PNG inside an ICO for /favicon.ico, and the publisher logo PNG).

Drawing them here keeps binary files reproducible: static/img/logo.png is exactly
``logo_png()`` (a test checks it), so changing the brand colour is a one-line edit.
"""

from __future__ import annotations

import struct
import zlib

BRAND = (0xB3, 0x26, 0x1E)
# 8x8 glyph of a "b", scaled and centred on the brand colour.
_GLYPH = ["11000000", "11000000", "11000000", "11111100", "11000110", "11000110", "11000110", "11111100"]


def _png(size: int, color: tuple[int, int, int], scale: int) -> bytes:
    """A square RGBA PNG: the glyph, ``scale`` pixels per cell, white on ``color``."""
    offset = (size - 8 * scale) // 2
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter: none
        for x in range(size):
            gx, gy = (x - offset) // scale, (y - offset) // scale
            on = 0 <= x - offset and 0 <= y - offset and gx < 8 and gy < 8 and _GLYPH[gy][gx] == "1"
            row += bytes((255, 255, 255, 255)) if on else bytes((*color, 255))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


def favicon_ico(color: tuple[int, int, int] = BRAND) -> bytes:
    size = 32
    png = _png(size, color, 3)
    directory = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(png), 6 + 16)
    return directory + entry + png


def logo_png(color: tuple[int, int, int] = BRAND) -> bytes:
    """The publisher logo of the JSON-LD (a raster image, 192x192, as search engines want)."""
    return _png(192, color, 16)


if __name__ == "__main__":  # python -m biteye_site.icons static/img/logo.png
    import sys

    with open(sys.argv[1], "wb") as fh:
        fh.write(logo_png())
