"""`claimbot photo-check IMAGE [--slot N] [--earlier IMAGE ...]`: run a survey photo through
the same checks the worker runs on arrival and print one JSON object:

    {"verdict": "accepted" | "rejected", "reasons": [...], "metrics": {...}, "facts": {...}}

plus "vin" (the VIN read, or null) with `--slot 5`. `--earlier` photos count as already
accepted for the claim (the duplicate check). Exit 0 for either verdict, 2 when a file cannot
be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_BAD_INPUT = 2
VIN_SLOT = 5
SLOTS = (1, 2, 3, 4, 5)  # front 45°, rear 45°, damaged area, damage close-up, VIN


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "photo-check",
        help="check a survey photo's quality (as on arrival) and print the verdict as JSON",
        description="Normalize a survey photo and run the arrival quality checks (size, "
        "sharpness, exposure, screenshot, duplicate; with --slot 5 also read the VIN), then "
        "print one JSON object: verdict, reasons, metrics, facts.",
    )
    parser.add_argument("image", help="the photo (JPEG, PNG, WebP…)")
    parser.add_argument(
        "--slot", type=int, choices=SLOTS, help="the photo's slot; 5 (VIN) also reads the VIN"
    )
    parser.add_argument(
        "--earlier",
        nargs="+",
        default=[],
        metavar="IMAGE",
        help="photos already accepted for the claim (checked for duplicates)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from chalicelib.photos.quality import check, with_reason

    try:
        data = _read(Path(args.image))
        earlier = [_accepted_hash(Path(path)) for path in args.earlier]
    except _BadInput as exc:
        print(f"claimbot: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    photo, report = check(data, earlier=earlier)
    extra: dict[str, Any] = {"facts": photo.facts.to_json() if photo else None}
    if args.slot == VIN_SLOT:
        extra["vin"] = _read_vin(photo.jpeg) if photo else None
        if extra["vin"] is None:
            report = with_reason(report, "vin_unreadable")
    result = {key: value for key, value in report.to_json().items() if key != "phash"}
    print(json.dumps(result | extra, ensure_ascii=False))  # the hash is among the metrics
    return 0


class _BadInput(Exception):
    pass


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _BadInput(f"cannot read {path}: {exc.strerror or exc}") from exc


def _accepted_hash(path: Path) -> str:
    """The perceptual hash of an earlier photo (refused when it is not a readable photo)."""
    from chalicelib.photos.normalize import UnreadablePhoto, normalize
    from chalicelib.photos.quality import phash

    try:
        return phash(normalize(_read(path)).analysis)
    except UnreadablePhoto as exc:
        raise _BadInput(f"{path} is not a readable photo: {exc.detail}") from exc


def _read_vin(jpeg: bytes) -> str | None:
    """The VIN in the (normalized) photo, read with the offline OCR engine; None if none."""
    from chalicelib.ocr.images import NotAnImage
    from chalicelib.ocr.rapid import RapidOcrEngine
    from chalicelib.ocr.vin import read_vin

    try:
        return read_vin(jpeg, RapidOcrEngine()).vin
    except NotAnImage:  # e.g. smaller than the OCR's minimum: no VIN read
        return None
