"""`claimbot licence-read IMAGE`: read a vehicle licence photo with the offline OCR engine and
print its fields as one JSON object (LicenceFields.to_json: the ten fields and warning codes)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chalicelib.ocr.engine import OcrEngine, OcrLine

EXIT_BAD_INPUT = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "licence-read",
        help="read a vehicle licence photo (OCR) and print its fields as JSON",
        description="Read a photo of a vehicle licence's main page with the offline OCR engine "
        "and print one JSON object: the ten fields (null when not read) and warning codes.",
    )
    parser.add_argument("image", help="photo of the licence's main page (JPEG, PNG, WebP…)")
    parser.add_argument(
        "--lines", action="store_true", help="also print every OCR line to stderr (debugging)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.image)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _refuse(f"cannot read {path}: {exc.strerror or exc}")

    from chalicelib.ocr.images import NotAnImage
    from chalicelib.ocr.licence import read_licence
    from chalicelib.ocr.rapid import RapidOcrEngine

    engine = _Echo(RapidOcrEngine()) if args.lines else RapidOcrEngine()
    try:
        fields = read_licence(data, engine)
    except NotAnImage as exc:
        return _refuse(f"{path} is not a usable image: {exc}")
    print(json.dumps(fields.to_json(), ensure_ascii=False))
    return 0


def _refuse(message: str) -> int:
    print(f"claimbot: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


class _Echo:
    """An engine that prints what the engine it wraps saw."""

    def __init__(self, engine: OcrEngine) -> None:
        self._engine = engine

    def read(self, image: bytes) -> list[OcrLine]:
        lines = self._engine.read(image)
        print(f"--- {len(lines)} lines", file=sys.stderr)
        for line in lines:
            corners = " ".join(f"{x:.0f},{y:.0f}" for x, y in line.box)
            print(f"{line.score:.2f} [{corners}] {line.text}", file=sys.stderr)
        return lines
