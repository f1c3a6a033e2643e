"""The operator's import of the core system's exports: policies.csv and claims.csv.

Each row is validated on its own (chalicelib/domain/import_rows.py); the good rows are written
(chalicelib/store/book_writer.py) even when others are rejected. The report says, per physical
line of the file (the header is line 1), why a row was rejected. A problem with the whole file
(its columns, its encoding) raises ImportFileError before anything is written.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib.domain.import_rows import (
    CLAIM_COLUMNS,
    OPTIONAL_POLICY_COLUMNS,
    POLICY_COLUMNS,
    ClaimRow,
    ImportFileError,
    PolicyRow,
    check_header,
    parse_claim_row,
    parse_policy_row,
)
from chalicelib.store.book_writer import BookWriter, Written

if TYPE_CHECKING:
    from chalicelib.service.container import Container

__all__ = [
    "ImportFileError",
    "ImportReport",
    "Rejection",
    "import_claims",
    "import_policies",
    "writer_for",
]

Source = str | bytes | os.PathLike


@dataclass(frozen=True)
class Rejection:
    line: int  # physical line in the file; the header is line 1
    reasons: list[str]

    def __str__(self) -> str:
        return f"line {self.line}: {'; '.join(self.reasons)}"


@dataclass
class ImportReport:
    accepted: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    kind: str = "rows"  # "policies" | "claims", for the summary
    sales: int = 0  # policies whose quote_no was a chat quote, now kept as a sale
    notes: list[str] = field(default_factory=list)  # not errors: rows were written

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> str:
        """English, one line per rejected row after the counts."""
        lines = [
            f"{self.kind}: {self.accepted} accepted, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
            + (f", {self.sales} chat quote(s) kept as sales" if self.sales else "")
        ]
        lines += [str(r) for r in self.rejected]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


# A chat quote bought as a policy: (quote_no, policy_no) -> None, or raises with why not.
SaleRecorder = Callable[[str, str], object]


def import_policies(
    path_or_text: Source, writer: BookWriter, encoding: str = "utf-8-sig",
    sold: SaleRecorder | None = None,
) -> ImportReport:  # fmt: skip
    """Import a policies.csv export; see docs/IMPORT.md. A new or changed policy that names
    the chat quote it was bought from (`quote_no`) is passed to `sold`; a quote it cannot
    keep (unknown, expired) is a note in the report, not a rejected row."""
    report, written = _import(
        path_or_text,
        encoding,
        kind="policies",
        columns=POLICY_COLUMNS,
        optional=OPTIONAL_POLICY_COLUMNS,
        parse=parse_policy_row,
        key=lambda row: row.policy_no,
        key_name="policy_no",
        write=writer.write_policies,
    )
    for line, row in written:
        if sold is None or not isinstance(row, PolicyRow) or row.quote_no is None:
            continue
        try:
            sold(row.quote_no, row.policy_no)
            report.sales += 1
        except Exception as exc:  # the policy is in; only the quote's records are not kept
            report.notes.append(f"line {line}: quote_no {row.quote_no}: {exc}")
    return report


def import_claims(
    path_or_text: Source, writer: BookWriter, encoding: str = "utf-8-sig"
) -> ImportReport:
    """Import a claims.csv export; the policies must be in the book already (or imported by
    the same writer earlier)."""
    report, _written = _import(
        path_or_text,
        encoding,
        kind="claims",
        columns=CLAIM_COLUMNS,
        parse=parse_claim_row,
        key=lambda row: row.claim_no,
        key_name="claim_no",
        write=writer.write_claims,
    )
    return report


def writer_for(container: Container) -> BookWriter:
    """The writer for the app's settings (the same key as the BookStore's)."""
    return BookWriter(container.id_key)


# --- reading the file --------------------------------------------------------------------------


def _import(
    source: Source,
    encoding: str,
    *,
    kind: str,
    columns: tuple[str, ...],
    parse: Callable[[dict[str, str]], Any],
    key: Callable[[Any], str],
    key_name: str,
    write: Callable[[Sequence[Any]], list[Any]],
    optional: tuple[str, ...] = (),
) -> tuple[ImportReport, list[tuple[int, PolicyRow | ClaimRow]]]:
    """The report, and the rows written as new or changed (with their lines)."""
    text = read_text(source, encoding)
    report = ImportReport(kind=kind)
    good: list[tuple[int, PolicyRow | ClaimRow]] = []
    written: list[tuple[int, PolicyRow | ClaimRow]] = []
    first_line: dict[str, int] = {}
    for line, header, values in _records(text, columns, kind, optional):
        while len(values) > len(header) and not values[-1].strip():
            values = values[:-1]  # trailing empty cells, as spreadsheets sometimes export
        if len(values) != len(header):
            reason = f"the row has {len(values)} values, the header has {len(header)} columns"
            report.rejected.append(Rejection(line, [reason]))
            continue
        parsed = parse(dict(zip(header, values, strict=True)))
        if isinstance(parsed, list):
            report.rejected.append(Rejection(line, parsed))
            continue
        number = key(parsed)
        if number in first_line:
            reason = f"{key_name} {number} already appears on line {first_line[number]}"
            report.rejected.append(Rejection(line, [reason]))
            continue
        first_line[number] = line
        good.append((line, parsed))
    results = write([row for _, row in good]) if good else []
    for (line, row), result in zip(good, results, strict=True):
        if result.outcome is Written.ACCEPTED:
            report.accepted += 1
            written.append((line, row))
        elif result.outcome is Written.UNCHANGED:
            report.unchanged += 1
        else:
            report.rejected.append(Rejection(line, [result.reason]))
    report.rejected.sort(key=lambda r: r.line)
    return report, written


def _records(
    text: str, columns: tuple[str, ...], kind: str, optional: tuple[str, ...] = ()
) -> Iterator[tuple[int, list[str], list[str]]]:
    """(first physical line, header, values) of each non-blank record after the header.

    The header is the first non-blank line and is checked before any row is yielded. A
    record's line is where it starts (a quoted value may span lines).
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    last = 0
    try:
        for values in reader:
            start, last = last + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank line (or only commas, as spreadsheets export)
            if header is None:
                header = [v.strip().lstrip("\ufeff").strip() for v in values]
                while header and not header[-1]:
                    header.pop()  # trailing empty cells
                check_header(header, columns, f"{kind} file", optional)
                continue
            yield start, header, values
    except csv.Error as exc:
        raise ImportFileError(f"{kind} file is not readable CSV at line {last + 1}: {exc}") from exc
    if header is None:
        raise ImportFileError(f"{kind} file is empty: no header line ({','.join(columns)})")


def read_text(source: Source, encoding: str = "utf-8-sig") -> str:
    """The text of `source`: a path (os.PathLike, or a str without a line break), bytes, or
    the CSV text itself (a str with a line break)."""
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        return source
    if isinstance(source, bytes):
        data = source
    else:
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return decode(data, encoding)


def decode(data: bytes, encoding: str = "utf-8-sig") -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError as exc:
        raise ImportFileError(f"unknown encoding {encoding!r} (try utf-8 or gbk)") from exc
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        if name in ("utf-8", "utf-8-sig"):
            raise ImportFileError(
                f"file is not UTF-8 (first bad byte on line {line}); "
                "re-export as UTF-8 or pass --encoding gbk"
            ) from exc
        raise ImportFileError(
            f"file is not {encoding} (first bad byte on line {line}); "
            "re-export as UTF-8 or pass the right --encoding"
        ) from exc
