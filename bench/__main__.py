"""`python -m bench`: run every benchmark against one local stack and rewrite RESULTS.md."""

from __future__ import annotations

import time

from bench import (
    cold_import,
    dashboard,
    ocr,
    photos,
    report,
    semantic,
    survey,
    understanding,
    webhook,
)
from bench.common import progress
from bench.stack import local_stack


def main() -> None:
    started = time.perf_counter()
    progress("starting the local stack (moto server + WeChat emulator, in a child process)")
    with local_stack() as stack:
        sections = [cold_import.run(stack), webhook.run(stack), dashboard.run(stack)]
    sections.append(ocr.run())  # after the stack has stopped: OCR needs no AWS, only a quiet core
    sections.append(photos.run())
    sections.append(understanding.run())
    sections.append(semantic.run())
    sections.append(survey.run())  # its own whole devstack, in a child process
    path = report.write(sections)
    for section in sections:
        for check in section.checks:
            print(f"{check.result:4}  {check.what}: {check.measured} (budget {check.budget})")
    progress(f"wrote {path} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
