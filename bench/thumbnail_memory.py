"""Peak memory of a picture completion's rendering (issue 9): the 400 px thumbnail and the 800 px WebP of a
40-megapixel photo, each measured in a fresh Python process (peak RSS: VmHWM of /proc/self/status; Linux).

What runs in the child is `chalicelib.services.media._render`, the whole rendering of a completion (decode,
both renditions, their encoding). The baseline is the same child up to just before rendering (interpreter,
Pillow, the media service and the picture's bytes in memory). For comparison, the same picture decoded at full
size as the rendering did before issue 9 (open, load, copy, then a thumbnail of each copy).

    python -m bench.thumbnail_memory
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEAK_LIMIT_MB = 150
SIZE = (7744, 5164)  # 39,990,016 pixels: just under the 40-megapixel limit (domain/images.MAX_PIXELS)

_MAKE = """
import sys
from PIL import Image, ImageFilter
width, height, kind, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
# A smooth colour field; the JPEG gets grain, like a photo. The PNG stays a graphic: a 40 MP photo as PNG is
# far over the 10 MB upload limit, a graphic is not.
picture = Image.merge("RGB", [Image.linear_gradient("L").resize((width, height)).rotate(angle, expand=False)
                              for angle in (0, 90, 180)])
if kind == "image/jpeg":
    grain = Image.effect_noise((width, height), 24).filter(ImageFilter.GaussianBlur(1))
    Image.blend(picture, Image.merge("RGB", [grain] * 3), 0.25).save(path, "JPEG", quality=80)
else:
    picture.save(path, "PNG", compress_level=6)
"""

# Peak RSS from /proc/self/status (VmHWM: this process since exec). Not getrusage's ru_maxrss: Linux carries that
# across fork and exec, so a child of a 400 MB test runner would report at least 400 MB.
_MEASURE = """
import json, sys
def peak_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
mode, kind, path = sys.argv[1], sys.argv[2], sys.argv[3]
from chalicelib.services import media
data = open(path, "rb").read()
baseline = peak_kb()
if mode == "render":
    width, height, renditions = media._render(data, kind)
    out = {"size": [width, height], "renditions": [[kind_, w] for _, kind_, w in renditions]}
else:  # the rendering before issue 9: the whole picture decoded, copied, then a thumbnail of each copy
    import io
    from PIL import Image
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        picture = img.convert("RGB") if img.mode != "RGB" else img.copy()
    for size in ((400, 400), (800, 800)):
        copy = picture.copy()
        copy.thumbnail(size)
    out = {"size": list(picture.size)}
peak = peak_kb()
print(json.dumps({**out, "baseline_kb": baseline, "peak_kb": peak, "bytes": len(data)}))
"""


def make_picture(path: Path, kind: str = "image/jpeg", size: tuple[int, int] = SIZE) -> Path:
    subprocess.run([sys.executable, "-c", _MAKE, str(size[0]), str(size[1]), kind, str(path)], check=True)
    return path


def measure(path: Path, kind: str = "image/jpeg", mode: str = "render") -> dict:
    """Peak RSS (MB) of rendering the picture at `path` in a fresh process, and of the process before it."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, mode, kind, str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["baseline_mb"] = figures.pop("baseline_kb") / 1024
    figures["peak_mb"] = figures.pop("peak_kb") / 1024
    return figures


def report(results_file: Path | None = None) -> bool:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, ext in (("image/jpeg", "jpg"), ("image/png", "png")):
            path = make_picture(Path(tmp) / f"picture.{ext}", kind)
            for mode in ("render", "full decode"):
                rows.append((kind, mode, measure(path, kind, mode)))
    jpeg = next(f for kind, mode, f in rows if kind == "image/jpeg" and mode == "render")
    ok = jpeg["peak_mb"] < PEAK_LIMIT_MB
    lines = [
        f"## Picture rendering memory ({SIZE[0]}x{SIZE[1]} = {SIZE[0] * SIZE[1]:,} pixels, a fresh process each)",
        "",
        "| picture | rendering | file | before rendering | peak RSS | rendering added |",
        "|---|---|--:|--:|--:|--:|",
    ]
    for kind, mode, f in rows:
        label = "completion (`services.media._render`)" if mode == "render" else "full decode (before issue 9)"
        lines.append(
            f"| {kind} | {label} | {f['bytes'] / 1e6:.1f} MB | {f['baseline_mb']:.0f} MB | {f['peak_mb']:.0f} MB "
            f"| {f['peak_mb'] - f['baseline_mb']:.0f} MB |"
        )
    lines += [
        "",
        f"- 40 MP JPEG completion peak under {PEAK_LIMIT_MB} MB: "
        + (f"**yes** ({jpeg['peak_mb']:.0f} MB)" if ok else f"**NO** ({jpeg['peak_mb']:.0f} MB)"),
        "- A JPEG is decoded at 1/2, 1/4 or 1/8 scale (Pillow's draft); PNG and WebP have no scaled decoding, so "
        "their full-size decode remains (then reduced by an integer factor before any conversion or copy).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if results_file:
        with results_file.open("a") as f:
            f.write("\n" + text)
    return ok


if __name__ == "__main__":
    sys.exit(0 if report() else 1)
