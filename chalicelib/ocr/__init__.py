"""OCR adapter: engines behind one interface, and licence reading on top of them.

Import-light on purpose: importing this package (or `engine`, `licence`) loads neither
onnxruntime nor OpenCV. Only the worker builds a `RapidOcrEngine` (chalicelib.ocr.rapid); the API
function never does.
"""

from chalicelib.ocr.engine import OcrEngine, OcrLine

__all__ = ["OcrEngine", "OcrLine"]
