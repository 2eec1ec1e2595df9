"""Draw the site icon: a white heart on the brand blue, as SVG (backend/web/static/favicon.svg)
and as a 16 + 32 px ICO for /favicon.ico, which browsers ask for on their own.

Run once when the design changes: ``python scripts/make_favicon.py``. Plain Python, no image
library: the ICO holds 32-bit BMPs, each pixel the coverage of a 4x4 supersample.
"""

from __future__ import annotations

import struct
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "backend" / "web" / "static"
BRAND = (0x0B, 0x5C, 0xAD)  # --brand in app.css
CORNER = 0.1875  # corner radius, as a share of the side

HEART = (
    "M32 52C20 43 12 36 12 26.5 12 20.5 16.7 16 22.3 16c4 0 7.6 2.2 9.7 5.6"
    "C34.1 18.2 37.7 16 41.7 16 47.3 16 52 20.5 52 26.5 52 36 44 43 32 52z"
)
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img" '
    'aria-label="救助衔接平台">\n'
    '  <rect width="64" height="64" rx="12" fill="#0b5cad"/>\n'
    f'  <path d="{HEART}" fill="#fff"/>\n'
    "</svg>\n"
)


def _in_square(x: float, y: float) -> bool:
    """Inside the rounded square (coordinates 0..1)."""
    r = CORNER
    cx = min(max(x, r), 1 - r)
    cy = min(max(y, r), 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def _in_heart(x: float, y: float) -> bool:
    """Inside the heart: the curve (u²+v²−1)³ = u²v³, scaled into the square's middle."""
    u = (x - 0.5) / 0.27
    v = (0.56 - y) / 0.27
    return (u * u + v * v - 1) ** 3 - u * u * v**3 <= 0


def _pixels(size: int) -> list[tuple[int, int, int, int]]:
    """BGRA rows, bottom row first (as a BMP stores them)."""
    samples = 4
    out = []
    for row in range(size - 1, -1, -1):
        for col in range(size):
            square = heart = 0
            for sy in range(samples):
                for sx in range(samples):
                    x = (col + (sx + 0.5) / samples) / size
                    y = (row + (sy + 0.5) / samples) / size
                    if _in_square(x, y):
                        square += 1
                        heart += _in_heart(x, y)
            total = samples * samples
            alpha = round(255 * square / total)
            white = heart / square if square else 0
            r, g, b = (round(c + (255 - c) * white) for c in BRAND)
            out.append((b, g, r, alpha))
    return out


def _bmp(size: int) -> bytes:
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    pixels = b"".join(bytes(p) for p in _pixels(size))
    mask_row = ((size + 31) // 32) * 4  # the AND mask: all zero, the alpha channel decides
    return header + pixels + bytes(mask_row * size)


def ico(sizes: tuple[int, ...] = (16, 32)) -> bytes:
    images = [_bmp(size) for size in sizes]
    offset = 6 + 16 * len(images)
    directory = b""
    for size, image in zip(sizes, images, strict=True):
        directory += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return struct.pack("<HHH", 0, 1, len(images)) + directory + b"".join(images)


def main() -> None:
    (STATIC / "favicon.svg").write_text(SVG, encoding="utf-8")
    (STATIC / "favicon.ico").write_bytes(ico())


if __name__ == "__main__":
    main()
