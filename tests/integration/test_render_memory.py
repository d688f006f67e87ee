"""A picture completion renders a 40-megapixel JPEG without ever holding it at full size (issue 9).

Measured as `make bench` measures it (bench/thumbnail_memory.py): the whole rendering of a completion (both
renditions) in a fresh Python process, peak RSS.
"""

from __future__ import annotations

from bench.thumbnail_memory import PEAK_LIMIT_MB, SIZE, make_picture, measure


def test_rendering_a_40_megapixel_jpeg_peaks_under_150_mb(tmp_path):
    picture = make_picture(tmp_path / "big.jpg", "image/jpeg")
    figures = measure(picture, "image/jpeg")
    assert figures["size"] == list(SIZE)
    assert figures["renditions"] == [["image/jpeg", 400], ["image/webp", 800]]
    assert figures["peak_mb"] < PEAK_LIMIT_MB, figures


def test_the_same_picture_decoded_at_full_size_would_not(tmp_path):
    """Control: the measurement can fail - decoding the whole picture (as before issue 9) goes far over."""
    picture = make_picture(tmp_path / "big.jpg", "image/jpeg")
    assert measure(picture, "image/jpeg", mode="full decode")["peak_mb"] > 2 * PEAK_LIMIT_MB
