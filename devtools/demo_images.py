"""Product pictures for the demo catalogue, drawn with Pillow: a recognisable motif per kind of product
(cotton bolls, apricots, jujubes, pears, an ikat scarf, a copper teapot, a comb...) and the product's name.

    render(kind, title, subtitle, fmt="JPEG") -> bytes

Deterministic: the same arguments give the same picture.
"""

from __future__ import annotations

import io
import math
import random
import textwrap
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 640, 480
BANNER = 112
Painter = Callable[[ImageDraw.ImageDraw, random.Random], None]


def _gradient(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    img = Image.new("RGB", (WIDTH, HEIGHT), top)
    draw = ImageDraw.Draw(img)
    for y in range(HEIGHT):
        t = y / (HEIGHT - 1)
        draw.line([(0, y), (WIDTH, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    return img


def _scatter(rng: random.Random, n: int, box=(60, 40, WIDTH - 60, HEIGHT - BANNER - 30)) -> list[tuple[int, int]]:
    x0, y0, x1, y1 = box
    return [(rng.randint(x0, x1), rng.randint(y0, y1)) for _ in range(n)]


def _fruit(d: ImageDraw.ImageDraw, x: int, y: int, rx: int, ry: int, fill, shade, outline=None) -> None:
    d.ellipse([x - rx, y - ry, x + rx, y + ry], fill=fill, outline=outline, width=2)
    d.ellipse([x - rx // 2, y - ry // 2, x - rx // 8, y - ry // 6], fill=shade)  # highlight


# --- motifs ----------------------------------------------------------------------------------------


def _cotton(d, rng):
    for x, y in _scatter(rng, 7):
        d.line([(x, y + 20), (x + rng.randint(-20, 20), y + 90)], fill=(92, 64, 36), width=5)
        for dx, dy in ((-22, 0), (22, 0), (0, -20), (0, 14), (-12, -14), (12, -14)):
            d.ellipse(
                [x + dx - 22, y + dy - 20, x + dx + 22, y + dy + 20], fill=(252, 252, 248), outline=(215, 215, 205)
            )
        for a in range(4):
            ang = a * math.pi / 2 + 0.6
            d.polygon(
                [(x, y + 22), (x + 26 * math.cos(ang), y + 30 + 14 * math.sin(ang)), (x + 4, y + 40)],
                fill=(120, 88, 52),
            )


def _bale(d, rng):
    for i, (x, y) in enumerate([(150, 120), (330, 120), (240, 230), (420, 230)]):
        d.rounded_rectangle(
            [x - 80, y - 60, x + 80, y + 60], radius=14, fill=(244, 242, 232), outline=(170, 160, 140), width=3
        )
        for k in (-30, 30):
            d.line([(x + k, y - 60), (x + k, y + 60)], fill=(110, 90, 60), width=4)
        d.text((x - 30, y - 10), f"227kg #{i + 1}", fill=(120, 110, 90))


def _yarn(d, rng):
    for x, y in [(170, 170), (320, 150), (470, 180), (250, 270), (400, 275)]:
        color = rng.choice([(250, 248, 240), (236, 226, 200), (214, 232, 244)])
        d.polygon(
            [(x - 40, y - 70), (x + 40, y - 70), (x + 55, y + 70), (x - 55, y + 70)],
            fill=color,
            outline=(150, 140, 120),
        )
        for k in range(-60, 70, 10):
            d.line([(x - 50, y + k), (x + 50, y + k + 6)], fill=(190, 180, 160), width=1)


def _fabric(d, rng):
    d.rectangle([120, 90, 560, 330], fill=(236, 230, 214), outline=(160, 150, 130), width=3)
    for x in range(120, 560, 6):
        d.line([(x, 90), (x, 330)], fill=(222, 214, 196))
    d.ellipse([70, 90, 170, 330], fill=(226, 218, 198), outline=(150, 140, 120), width=3)
    for r in range(10, 50, 10):
        d.ellipse([120 - r, 210 - r * 2.2, 120 + r, 210 + r * 2.2], outline=(180, 170, 150))


def _apricot(d, rng):
    for x, y in _scatter(rng, 16):
        r = rng.randint(26, 38)
        _fruit(d, x, y, r, int(r * 0.9), (242, 150, 40), (252, 196, 110), (200, 110, 30))
        d.arc([x - 4, y - r, x + r, y + r], 200, 300, fill=(210, 110, 30), width=2)


def _dried_apricot(d, rng):
    for x, y in _scatter(rng, 22):
        r = rng.randint(20, 30)
        d.ellipse([x - r, y - r * 0.7, x + r, y + r * 0.7], fill=(226, 128, 36), outline=(170, 90, 25), width=2)
        d.line([(x - r + 6, y), (x + r - 6, y + 2)], fill=(180, 96, 28), width=2)


def _kernel(d, rng):
    for x, y in _scatter(rng, 30):
        ang = rng.uniform(0, math.pi)
        pts = [
            (x + 20 * math.cos(ang + t) * (0.5 + 0.5 * abs(math.cos(t / 2))), y + 12 * math.sin(ang + t))
            for t in [i * math.pi / 8 for i in range(16)]
        ]
        d.polygon(pts, fill=(232, 206, 160), outline=(160, 120, 70))


def _walnut(d, rng):
    for x, y in _scatter(rng, 14):
        r = rng.randint(28, 36)
        d.ellipse([x - r, y - r, x + r, y + r], fill=(176, 134, 84), outline=(110, 78, 40), width=3)
        d.line([(x, y - r), (x, y + r)], fill=(110, 78, 40), width=3)
        for k in range(3):
            d.arc([x - r + 6, y - r + 8 + k * 14, x - 4, y - r + 26 + k * 14], 90, 270, fill=(130, 95, 55), width=2)


def _almond(d, rng):
    for x, y in _scatter(rng, 24):
        d.polygon([(x - 10, y), (x, y - 26), (x + 10, y), (x, y + 14)], fill=(196, 140, 90), outline=(130, 85, 45))


def _raisin(color, shade):
    def paint(d, rng):
        for x, y in _scatter(rng, 60):
            rx, ry = rng.randint(9, 14), rng.randint(6, 10)
            d.ellipse([x - rx, y - ry, x + rx, y + ry], fill=color, outline=shade)
            d.line([(x - rx // 2, y - 1), (x + rx // 3, y + 2)], fill=shade, width=1)

    return paint


def _wool(d, rng):
    for x, y in _scatter(rng, 18):
        for _ in range(6):
            dx, dy, r = rng.randint(-30, 30), rng.randint(-20, 20), rng.randint(18, 30)
            d.ellipse([x + dx - r, y + dy - r, x + dx + r, y + dy + r], fill=(240, 232, 210), outline=(214, 204, 180))


def _silk(d, rng):
    palette = [(196, 22, 60), (250, 200, 30), (30, 90, 170), (20, 140, 90), (120, 30, 120), (250, 250, 250)]
    rng.shuffle(palette)
    top, bottom = 40, HEIGHT - BANNER - 20
    band = 44
    for i, x in enumerate(range(40, WIDTH - 40, band)):
        color = palette[i % len(palette)]
        pts = []
        for y in range(top, bottom + 1, 20):
            wiggle = 10 * math.sin((y + i * 30) / 24)
            pts.append((x + wiggle, y))
        pts += [(px + band, py) for px, py in reversed(pts)]
        d.polygon(pts, fill=color)
        for y in range(top + 20, bottom, 60):  # ikat "flames"
            d.polygon(
                [(x + band / 2, y), (x + band - 6, y + 22), (x + band / 2, y + 44), (x + 6, y + 22)],
                fill=palette[(i + 2) % len(palette)],
            )
    for x in range(40, WIDTH - 40, 8):  # fringe
        d.line([(x, bottom), (x + 2, bottom + 16)], fill=(120, 20, 40), width=2)


def _teapot(d, rng):
    copper, dark, light = (190, 100, 50), (120, 58, 28), (236, 160, 100)
    cx, cy = 320, 210
    d.ellipse([cx - 130, cy - 90, cx + 130, cy + 110], fill=copper, outline=dark, width=4)
    d.polygon(
        [(cx + 120, cy + 10), (cx + 230, cy - 80), (cx + 240, cy - 70), (cx + 135, cy + 45)], fill=copper, outline=dark
    )
    d.arc([cx - 220, cy - 60, cx - 90, cy + 80], 90, 270, fill=dark, width=14)
    d.rectangle([cx - 60, cy - 110, cx + 60, cy - 88], fill=dark)
    d.ellipse([cx - 18, cy - 140, cx + 18, cy - 108], fill=copper, outline=dark, width=3)
    d.ellipse([cx - 80, cy - 60, cx - 20, cy + 20], fill=light)
    for k in range(-100, 110, 25):  # hammer marks
        d.arc([cx + k - 10, cy + 30, cx + k + 10, cy + 50], 0, 180, fill=dark, width=2)


def _ewer(d, rng):
    copper, dark = (184, 96, 46), (110, 52, 24)
    cx = 320
    d.polygon(
        [
            (cx - 40, 60),
            (cx + 40, 60),
            (cx + 25, 110),
            (cx + 110, 230),
            (cx + 70, 330),
            (cx - 70, 330),
            (cx - 110, 230),
            (cx - 25, 110),
        ],
        fill=copper,
        outline=dark,
    )
    d.line([(cx + 90, 180), (cx + 200, 80)], fill=dark, width=12)
    d.arc([cx - 190, 90, cx - 60, 260], 90, 270, fill=dark, width=12)
    for y in range(140, 320, 30):
        d.line([(cx - 80, y), (cx + 80, y)], fill=(220, 150, 90), width=2)


def _tray(d, rng):
    d.ellipse([100, 40, 540, 360], fill=(198, 112, 58), outline=(110, 55, 25), width=6)
    d.ellipse([150, 80, 490, 320], outline=(236, 170, 110), width=3)
    for k in range(12):
        a = k * math.pi / 6
        x, y = 320 + 130 * math.cos(a), 200 + 95 * math.sin(a)
        d.ellipse([x - 14, y - 14, x + 14, y + 14], outline=(110, 55, 25), width=3)
    d.regular_polygon((320, 200, 50), 8, fill=(150, 75, 35))


def _comb(d, rng):
    wood, dark = (204, 150, 92), (120, 78, 38)
    for i, (x0, y0) in enumerate([(110, 70), (150, 210)]):
        d.rounded_rectangle([x0, y0, x0 + 380, y0 + 50], radius=20, fill=wood, outline=dark, width=3)
        for x in range(x0 + 14, x0 + 370, 12 if i else 9):
            d.rectangle([x, y0 + 48, x + 5, y0 + 118], fill=wood, outline=dark)
        for k in range(5):  # carving
            d.ellipse([x0 + 60 + k * 60, y0 + 12, x0 + 86 + k * 60, y0 + 38], outline=dark, width=2)


def _spoons(d, rng):
    wood, dark = (170, 112, 62), (100, 62, 30)
    for i in range(4):
        x = 150 + i * 110
        d.ellipse([x - 34, 60, x + 34, 150], fill=wood, outline=dark, width=3)
        d.ellipse([x - 22, 72, x + 22, 138], fill=(150, 96, 50))
        d.rounded_rectangle([x - 9, 146, x + 9, 340], radius=8, fill=wood, outline=dark, width=2)


def _doppa(d, rng):
    d.polygon([(160, 300), (480, 300), (440, 90), (200, 90)], fill=(24, 24, 28))
    d.rectangle([160, 290, 480, 320], fill=(200, 200, 200))
    for x in (230, 320, 410):  # pepper motifs
        d.polygon([(x, 120), (x + 25, 180), (x, 260), (x - 25, 180)], outline=(245, 245, 245), width=4)
        d.arc([x - 20, 110, x + 20, 150], 180, 360, fill=(245, 245, 245), width=3)


def _jujube(d, rng):
    for x, y in _scatter(rng, 18):
        rx, ry = rng.randint(24, 30), rng.randint(30, 40)
        red = rng.choice([(150, 30, 24), (176, 44, 30), (128, 26, 20)])
        _fruit(d, x, y, rx, ry, red, (214, 110, 90), (90, 18, 12))
        d.line([(x, y - ry), (x + 4, y - ry - 10)], fill=(90, 70, 30), width=3)


def _fresh_jujube(d, rng):
    for x, y in _scatter(rng, 16):
        rx, ry = rng.randint(22, 28), rng.randint(28, 34)
        color = rng.choice([(170, 190, 70), (190, 80, 40), (180, 140, 60)])
        _fruit(d, x, y, rx, ry, color, (236, 236, 170))
        d.ellipse([x - 10, y - ry - 16, x + 24, y - ry - 2], fill=(60, 140, 50))


def _pear(d, rng):
    for x, y in _scatter(rng, 7, box=(100, 90, WIDTH - 100, HEIGHT - BANNER - 70)):
        body = (214, 214, 96)
        d.ellipse([x - 50, y - 10, x + 50, y + 80], fill=body, outline=(150, 150, 50), width=2)
        d.ellipse([x - 30, y - 60, x + 30, y + 20], fill=body)
        d.ellipse([x - 24, y - 40, x - 8, y - 10], fill=(246, 246, 180))
        d.line([(x, y - 60), (x + 8, y - 84)], fill=(100, 70, 30), width=4)
        d.ellipse([x + 8, y - 84, x + 38, y - 70], fill=(70, 150, 60))
        d.ellipse([x + 20, y + 20, x + 40, y + 36], fill=(226, 150, 110))  # blush


def _melon(d, rng):
    d.ellipse([120, 60, 520, 340], fill=(224, 196, 96), outline=(160, 130, 60), width=4)
    for k in range(-6, 7):
        d.arc([320 - 200 + abs(k) * 20, 60, 320 + 200 - abs(k) * 20, 340], 0, 360, fill=(190, 160, 80), width=1)
    for _ in range(60):
        x, y = rng.randint(160, 480), rng.randint(90, 310)
        d.line([(x, y), (x + rng.randint(-20, 20), y + rng.randint(-20, 20))], fill=(246, 236, 200), width=2)
    d.pieslice([380, 180, 600, 340], 180, 360, fill=(240, 150, 70), outline=(120, 150, 60), width=6)


def _rose_tea(d, rng):
    for x, y in _scatter(rng, 20):
        for k in range(5):
            a = k * 2 * math.pi / 5
            px, py = x + 12 * math.cos(a), y + 12 * math.sin(a)
            d.ellipse([px - 11, py - 11, px + 11, py + 11], fill=(214, 80, 120), outline=(160, 40, 80))
        d.ellipse([x - 7, y - 7, x + 7, y + 7], fill=(150, 30, 70))


MOTIFS: dict[str, tuple[Painter, tuple, tuple]] = {
    "cotton": (_cotton, (152, 196, 120), (92, 140, 70)),
    "bale": (_bale, (180, 196, 210), (120, 132, 150)),
    "yarn": (_yarn, (80, 110, 140), (40, 60, 90)),
    "fabric": (_fabric, (120, 140, 170), (70, 86, 110)),
    "apricot": (_apricot, (250, 230, 180), (200, 170, 110)),
    "dried_apricot": (_dried_apricot, (120, 80, 40), (70, 44, 20)),
    "kernel": (_kernel, (110, 80, 50), (60, 40, 24)),
    "walnut": (_walnut, (230, 214, 180), (180, 160, 120)),
    "almond": (_almond, (240, 226, 200), (190, 170, 130)),
    "raisin_green": (_raisin((150, 170, 60), (100, 120, 30)), (246, 238, 206), (200, 186, 140)),
    "raisin_black": (_raisin((70, 30, 40), (40, 14, 20)), (230, 214, 190), (170, 150, 120)),
    "raisin_rose": (_raisin((170, 80, 90), (110, 40, 50)), (250, 232, 226), (210, 170, 160)),
    "wool": (_wool, (120, 150, 100), (70, 100, 60)),
    "silk": (_silk, (40, 30, 40), (20, 14, 20)),
    "teapot": (_teapot, (60, 90, 100), (24, 44, 52)),
    "ewer": (_ewer, (70, 60, 90), (30, 24, 44)),
    "tray": (_tray, (40, 70, 60), (18, 36, 30)),
    "comb": (_comb, (230, 220, 200), (180, 160, 130)),
    "spoons": (_spoons, (214, 226, 214), (160, 180, 160)),
    "doppa": (_doppa, (120, 30, 40), (70, 14, 20)),
    "jujube": (_jujube, (244, 228, 196), (200, 170, 130)),
    "fresh_jujube": (_fresh_jujube, (120, 170, 220), (200, 230, 250)),
    "pear": (_pear, (190, 226, 240), (120, 180, 150)),
    "melon": (_melon, (250, 244, 220), (210, 190, 150)),
    "rose_tea": (_rose_tea, (250, 236, 230), (220, 190, 190)),
}


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType
        return ImageFont.load_default()


def render(kind: str, title: str, subtitle: str = "", fmt: str = "JPEG") -> bytes:
    """A WIDTH x HEIGHT picture of `kind` captioned with `title` (and `subtitle`), as JPEG/PNG/WEBP bytes."""
    painter, top, bottom = MOTIFS[kind]
    img = _gradient(top, bottom)
    draw = ImageDraw.Draw(img)
    painter(draw, random.Random(f"{kind}:{title}"))
    draw.rectangle([0, HEIGHT - BANNER, WIDTH, HEIGHT], fill=(28, 24, 22))
    lines = textwrap.wrap(title, width=34)[:2]
    font = _font(30)
    for i, line in enumerate(lines):
        draw.text((24, HEIGHT - BANNER + 14 + i * 36), line, fill=(250, 246, 236), font=font)
    if subtitle:
        draw.text((24, HEIGHT - 30), subtitle, fill=(214, 180, 120), font=_font(18))
    out = io.BytesIO()
    if fmt == "JPEG":
        img.save(out, format="JPEG", quality=85)
    else:
        img.save(out, format=fmt)
    return out.getvalue()


if __name__ == "__main__":  # python -m devtools.demo_images OUT_DIR: writes one picture per motif
    import sys
    from pathlib import Path

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "test-artifacts/demo-images")
    target.mkdir(parents=True, exist_ok=True)
    for name in MOTIFS:
        (target / f"{name}.jpg").write_bytes(render(name, name.replace("_", " ").title(), "Bazaar demo"))
    print(f"wrote {len(MOTIFS)} pictures to {target}")
