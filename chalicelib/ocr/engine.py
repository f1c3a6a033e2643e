"""The one interface every OCR engine implements: image bytes in, text lines with boxes out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

Point = tuple[float, float]


@dataclass(frozen=True)
class OcrLine:
    """One detected line of text.

    `box` holds the 4 corners in image pixels, clockwise from the top-left of the text as the
    engine saw it (for RapidOCR: top-left, top-right, bottom-right, bottom-left in image
    coordinates, whatever the direction the text runs in). `score` is the recognition confidence
    in [0, 1].
    """

    text: str
    box: tuple[Point, ...]
    score: float


class OcrEngine(Protocol):
    def read(self, image: bytes) -> list[OcrLine]:
        """Every line of text in an encoded image (JPEG, PNG…); [] when there is none."""
        ...
