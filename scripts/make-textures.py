#!/usr/bin/env python3
"""Writes the small generated textures the bundled scenes use (scenes/textures/*.png).

Everything here is generated from a fixed seed, so the files are ours and reproducible:
run `python3 scripts/make-textures.py` to rewrite them (standard library only).
"""
import math
import os
import random
import struct
import zlib

OUT = os.path.join(os.path.dirname(__file__), "..", "scenes", "textures")


def write_png(name, w, h, rows):
    """rows: list of h lists of w (r, g, b) tuples of ints in 0..255."""
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in rows)

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(png)


def checker(n=64, cells=8):
    a, b = (232, 232, 232), (40, 40, 40)
    rows = [[a if ((x * cells // n) + (y * cells // n)) % 2 == 0 else b for x in range(n)] for y in range(n)]
    write_png("checker.png", n, n, rows)


def tiles(n=128, count=4, grout=3):
    """Square ceramic tiles with grout: base color, tangent-space normal (glTF, +Y up),
    metallic-roughness (roughness in G)."""
    rnd = random.Random(13)
    size = n // count
    tint = [[rnd.uniform(-12, 12) for _ in range(count)] for _ in range(count)]

    def height(x, y):
        # 1 on a tile, 0 in the grout, a one-texel bevel between.
        fx, fy = x % size, y % size
        d = min(fx, fy, size - 1 - fx, size - 1 - fy)
        return max(0.0, min(1.0, (d - grout + 1) / 2.0))

    color, normal, mr = [], [], []
    for y in range(n):
        crow, nrow, mrow = [], [], []
        for x in range(n):
            hgt = height(x, y)
            t = tint[y // size][x // size]
            speck = rnd.uniform(-6, 6)
            tile = (196 + t + speck, 212 + t + speck, 206 + t + speck)
            mortar = (118 + speck, 112 + speck, 104 + speck)
            crow.append(tuple(int(max(0, min(255, m + (c - m) * hgt))) for c, m in zip(tile, mortar)))
            dx = (height((x + 1) % n, y) - height((x - 1) % n, y)) * 1.5
            dy = (height(x, (y + 1) % n) - height(x, (y - 1) % n)) * 1.5
            # +Y up in tangent space while image rows grow downward: the height rising
            # downward tilts the normal toward -Y.
            nx, ny, nz = -dx, dy, 1.0
            s = math.sqrt(nx * nx + ny * ny + nz * nz)
            nrow.append(tuple(int(round((v / s * 0.5 + 0.5) * 255)) for v in (nx, ny, nz)))
            rough = 0.25 + 0.65 * (1.0 - hgt)
            mrow.append((0, int(round(rough * 255)), 0))
        color.append(crow)
        normal.append(nrow)
        mr.append(mrow)
    write_png("tiles.png", n, n, color)
    write_png("tiles_normal.png", n, n, normal)
    write_png("tiles_mr.png", n, n, mr)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    checker()
    tiles()
