"""Generated pictures of printed pages for `bench ocr` and the OCR tests: known words rendered
with a real TrueType font at a scanner's resolution, clean or degraded like a real scan
(blurred, turned a few degrees, speckled, saved as a rough JPEG)."""

from __future__ import annotations

import glob
import io
import os
import random
from dataclasses import dataclass
from typing import Any

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Times New Roman.ttf",
    "C:/Windows/Fonts/times.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
_WORDS = str.split(
    "the of and to in for on with by from invoice contract payment clause party agreement "
    "report quarter revenue total amount due date signed delivery schedule section annex "
    "liability notice term renewal budget supplier customer balance account tax net gross "
    "receipt order number reference period rent deposit landlord tenant premises insurance "
    "claim policy premium interest loan bank transfer statement expenses salary employer"
)


def find_font() -> str | None:
    """A TrueType font on this computer (DejaVu or Liberation on Linux), or None."""
    for path in FONT_CANDIDATES:
        if os.path.isfile(path):
            return path
    found = sorted(glob.glob("/usr/share/fonts/**/*.ttf", recursive=True))
    return found[0] if found else None


def page_lines(rng: random.Random, lines: int) -> list[str]:
    """Lines such as an accountant reads: words, amounts, dates and reference numbers."""
    out = []
    for _ in range(lines):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 9))]
        words[0] = words[0].capitalize()
        extra = rng.choice(
            [
                f"{rng.randint(1, 9999):,}.{rng.randint(0, 99):02d}",
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(10, 29)}",
                f"No. {rng.randint(1000, 99999)}",
                f"{rng.randint(2, 40)}%",
            ]
        )
        words.insert(rng.randint(1, len(words)), extra)
        out.append(" ".join(words) + rng.choice([".", ",", ";", ":"]))
    return out


@dataclass
class ScanPage:
    """One generated page: what it says and the picture of it."""

    text: str
    image: Any  # PIL.Image.Image


def render_page(
    lines: list[str], *, dpi: int = 200, font_path: str | None = None, width_in: float = 8.27
) -> Any:
    """A white page (A4 width) with `lines` printed in 11 pt type, 1-inch margins."""
    from PIL import Image, ImageDraw, ImageFont

    font_path = font_path or find_font()
    if font_path is None:
        raise RuntimeError("no TrueType font found to render test pages")
    size = round(11 * dpi / 72)
    font = ImageFont.truetype(font_path, size)
    step = round(size * 1.6)
    margin = dpi
    height = 2 * margin + step * len(lines)
    image = Image.new("L", (round(width_in * dpi), height), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * step), line, font=font, fill=0)
    return image


def degrade(image: Any, rng: random.Random, *, angle: float = 2.0, quality: int = 35) -> Any:
    """A scanner's faults: blur, a turn of up to `angle` degrees, speckle, JPEG artefacts."""
    from PIL import Image, ImageFilter

    turned = image.filter(ImageFilter.GaussianBlur(1.0)).rotate(
        rng.uniform(-angle, angle), resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255
    )
    noise = Image.effect_noise(turned.size, 40).point(lambda v: 0 if v < 20 else 255)
    speckled = Image.composite(turned, noise, noise)  # dark speckle where the noise is dark
    grain = Image.effect_noise(turned.size, 18)
    mixed = Image.blend(speckled, grain, 0.12)
    buffer = io.BytesIO()
    mixed.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def make_pages(
    count: int, *, lines: int = 24, dpi: int = 200, degraded: bool = False, seed: int = 7
) -> list[ScanPage]:
    """`count` pages of `lines` lines each, the same words for the same seed."""
    rng = random.Random(seed)
    pages = []
    for _ in range(count):
        text_lines = page_lines(rng, lines)
        image = render_page(text_lines, dpi=dpi)
        if degraded:
            image = degrade(image, rng)
        pages.append(ScanPage("\n".join(text_lines), image))
    return pages


def cer(expected: str, got: str) -> float:
    """Character error rate: edit distance ÷ expected length, whitespace runs made one space."""
    from rapidfuzz.distance import Levenshtein

    a, b = " ".join(expected.split()), " ".join(got.split())
    return Levenshtein.distance(a, b) / max(1, len(a))
