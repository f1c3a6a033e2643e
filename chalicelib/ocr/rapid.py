"""RapidOCR (PP-OCRv4 on onnxruntime, offline) behind the OcrEngine interface.

Heavy imports (onnxruntime, OpenCV, numpy) happen on the first `read`, not at import, and the
models are loaded once per process. A lock serialises recognition: one Lambda instance handles
one event at a time, and onnxruntime already uses every core for one image.
"""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.ocr.engine import OcrLine


class RapidOcrEngine:
    def __init__(self, **options: Any) -> None:
        """`options` go to rapidocr_onnxruntime.RapidOCR (e.g. intra_op_num_threads=1)."""
        self._options = options
        self._ocr: Any = None
        self._lock = threading.Lock()

    def read(self, image: bytes) -> list[OcrLine]:
        with self._lock:
            result, _elapsed = self._model()(image)
        return [_line(item) for item in result or ()]

    def warm_up(self) -> None:
        """Load the models now (e.g. during a Lambda's init phase) instead of on first use."""
        with self._lock:
            self._model()

    def _model(self) -> Any:
        if self._ocr is None:
            from rapidocr_onnxruntime import RapidOCR

            self._ocr = RapidOCR(**self._options)
        return self._ocr


def _line(item: list[Any]) -> OcrLine:
    box, text, score = item[0], item[1], item[2]
    corners = tuple((float(x), float(y)) for x, y in box)
    return OcrLine(text=str(text), box=corners, score=float(score))
