"""Code 128 (code set B) barcodes as inline SVG, for printed manifests: any USB scanner reads them back as the
text they encode (an order or return id), which the consoles' scan boxes take."""

from __future__ import annotations

from html import escape

# The 107 Code 128 symbols: bar/space widths in modules (6 elements each; STOP has 7).
_PATTERNS = tuple(
    """
    212222 222122 222221 121223 121322 131222 122213 122312 132212 221213
    221312 231212 112232 122132 122231 113222 123122 123221 223211 221132
    221231 213212 223112 312131 311222 321122 321221 312212 322112 322211
    212123 212321 232121 111323 131123 131321 112313 132113 132311 211313
    231113 231311 112133 112331 132131 113123 113321 133121 313121 211331
    231131 213113 213311 213131 311123 311321 331121 312113 312311 332111
    314111 221411 431111 111224 111422 121124 121421 141122 141221 112214
    112412 122114 122411 142112 142211 241211 221114 413111 241112 134111
    111242 121142 121241 114212 124112 124211 411212 421112 421211 212141
    214121 412121 111143 111341 131141 114113 114311 411113 411311 113141
    114131 311141 411131 211412 211214 211232 2331112
    """.split()  # noqa: SIM905 - the standard table, ten symbols a line
)
START_B = 104
STOP = 106
QUIET = 10  # modules of blank space each side


def encode(text: str) -> list[int]:
    """The symbol values of `text` in code set B, with the start, the check symbol and the stop."""
    if not text or any(not 32 <= ord(ch) <= 126 for ch in text):
        raise ValueError("Code 128 B encodes printable ASCII only")
    values = [START_B] + [ord(ch) - 32 for ch in text]
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    return [*values, check, STOP]


def modules(text: str) -> list[tuple[bool, int]]:
    """(is a bar, width in modules) for every element, left to right."""
    out: list[tuple[bool, int]] = []
    for value in encode(text):
        for i, width in enumerate(_PATTERNS[value]):
            out.append((i % 2 == 0, int(width)))
    return out


def svg(text: str, *, module: float = 1.5, height: int = 48, label: str | None = None) -> str:
    """An inline SVG barcode of `text` (labelled for screen readers with `label`, default the text)."""
    elements = modules(text)
    width = (sum(w for _, w in elements) + 2 * QUIET) * module
    x = QUIET * module
    rects = []
    for bar, w in elements:
        if bar:
            rects.append(f'<rect x="{x:.2f}" y="0" width="{w * module:.2f}" height="{height}"/>')
        x += w * module
    name = escape(label or text, quote=True)
    return (
        f'<svg class="barcode" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{name}" '
        f'width="{width:.0f}" height="{height}" viewBox="0 0 {width:.2f} {height}">'
        f'<rect width="100%" height="100%" fill="#fff"/><g fill="#000">{"".join(rects)}</g></svg>'
    )
