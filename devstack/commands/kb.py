"""`claimbot kb`: the knowledge base that answers customers' questions (chalicelib/kb).

claimbot kb import FILE [--synonyms FILE] [--dry-run]
    Check every row of FILE (faq.csv's columns) and of the synonyms file (default: the shipped
    chalicelib/kb/synonyms.csv). Any problem: print each with its file and row, write nothing,
    exit 1. Otherwise store it as the next version in DynamoDB (the running `claimbot dev`, or
    the stage the environment's settings name) and print what was imported. Lambda containers
    pick a new version up within 5 minutes.

claimbot kb ask "问题" [--file FILE [--synonyms FILE] | --stored] [--top N]
    Print how the knowledge base answers a question, as JSON: kind (answer / candidates /
    none), confidence, the matches with ids and scores, and the N best scores. Default: the
    shipped files; --file: a file being edited; --stored: what is in DynamoDB.

claimbot kb assisted [--days N | --since DAY [--until DAY]] [--top N] [--json | --eval-csv]
    The answers staff sent from the knowledge base's candidates (Assist: the inbox and the
    WeCom relay) in a period, by question: the entry sent, edited or not, where it was offered.
    An entry sent unedited is a phrasing to add to it; --eval-csv prints those questions as
    rows for the evaluation's tune part (never calibrate or report).

claimbot kb misses [--days N | --since DAY [--until DAY]] [--top N] [--json]
    The most frequent questions the bot could not answer for sure in a period (China time;
    default: the last 7 days), from the miss log: how often, how many got no answer at all,
    what was offered, and what customers did next (picked an offered entry: add the question
    as a phrasing of that entry; asked for a person or rephrased: a new entry may be needed).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_ERROR = 0, 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "kb",
        help="the FAQ knowledge base: import staff's CSV files, try a question",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    sub = parser.add_subparsers()

    imp = sub.add_parser(
        "import",
        help="check and store faq.csv (and synonyms.csv) as the knowledge base's next version",
        description="Check every row; on any problem print them all and write nothing (exit 1). "
        "Otherwise store the knowledge base in DynamoDB: the running `claimbot dev`, or the "
        "stage the environment's settings name.",
    )
    imp.add_argument("file", help="the FAQ CSV (id, category, questions, keywords, answer, …)")
    imp.add_argument("--synonyms", help="synonyms CSV (word, synonyms); default: the shipped one")
    imp.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    imp.set_defaults(func=run_import)

    ask = sub.add_parser("ask", help="print how the knowledge base answers a question (JSON)")
    ask.add_argument("question", help="the customer's question, e.g. 交强险多少钱")
    source = ask.add_mutually_exclusive_group()
    source.add_argument("--file", help="FAQ CSV to use instead of the shipped one")
    source.add_argument("--stored", action="store_true", help="use the version in DynamoDB")
    ask.add_argument("--synonyms", help="synonyms CSV to use with --file (default: shipped)")
    ask.add_argument("--top", type=int, default=5, help="also list the N best scores (default 5)")
    ask.set_defaults(func=run_ask)

    miss = sub.add_parser(
        "misses",
        help="the most frequent questions the bot could not answer for sure in a period",
        description="Group the miss log of a period (China time) by question, most frequent "
        "first: how often it was asked, how often nothing was offered, what was offered, and "
        "what the customers did next.",
    )
    period = miss.add_mutually_exclusive_group()
    period.add_argument("--days", type=int, default=7, help="the last N days (default 7)")
    period.add_argument("--since", type=_day, help="first day, YYYY-MM-DD")
    miss.add_argument("--until", type=_day, help="last day, YYYY-MM-DD (default: today)")
    miss.add_argument("--top", type=int, default=20, help="list the N most frequent (default 20)")
    miss.add_argument("--json", action="store_true", help="print JSON instead of a table")
    miss.set_defaults(func=run_misses)

    helped = sub.add_parser(
        "assisted",
        help="the answers staff sent from the knowledge base's candidates (Assist) in a period",
        description="Group a period's Assist choices (China time) by question: which entry "
        "staff sent, how often unedited, at which place it was offered. --eval-csv prints rows "
        "for devstack/kb_eval/tune.csv (questions answered with one entry, unedited, that no "
        "part of the evaluation has yet); never add them to calibrate or report.",
    )
    period = helped.add_mutually_exclusive_group()
    period.add_argument("--days", type=int, default=7, help="the last N days (default 7)")
    period.add_argument("--since", type=_day, help="first day, YYYY-MM-DD")
    helped.add_argument("--until", type=_day, help="last day, YYYY-MM-DD (default: today)")
    helped.add_argument("--top", type=int, default=20, help="list the N most frequent")
    shown = helped.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="print JSON instead of a table")
    shown.add_argument("--eval-csv", action="store_true",
                       help="print rows for the evaluation's tune part (text,expected,style,note)")
    helped.set_defaults(func=run_assisted)

    ev = sub.add_parser(
        "eval",
        help="measure how customers' messages are understood (devstack/kb_eval)",
        description="Run the bot's understanding (complaint, person, emergency, ordinary words, "
        "the knowledge base) over an evaluation part and print each figure against its target "
        "and the confusions. Develop on `tune`, choose thresholds on `calibrate`, report on "
        "`report` only.",
    )
    ev.add_argument("--part", choices=("tune", "calibrate", "report", "all"), default="report")
    ev.add_argument("--cases", help="a CSV of your own (text, expected, style, note)")
    ev.add_argument("--file", help="FAQ CSV to use instead of the shipped one")
    ev.add_argument("--synonyms", help="synonyms CSV to use with --file (default: shipped)")
    ev.add_argument("--confusions", type=int, default=15, help="list the N most frequent")
    ev.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    ev.set_defaults(func=run_eval)

    parser.set_defaults(func=lambda _args: parser.print_help() or EXIT_ERROR)


# --- import --------------------------------------------------------------------------------


def run_import(args: argparse.Namespace) -> int:
    from chalicelib.kb import pinyin_table

    files = _read_files(args.file, args.synonyms)
    if files is None:
        return EXIT_ERROR
    faq_bytes, synonym_bytes, synonym_name = files
    kb = _check(args.file, faq_bytes, synonym_name, synonym_bytes, pinyin_table())
    if kb is None:
        return EXIT_ERROR
    counts = _counts(kb)
    if args.dry_run:
        print(f"{args.file}: no problems; {counts}; nothing written (--dry-run)")
        return EXIT_OK

    saved = _save(kb, faq_bytes + b"\0" + synonym_bytes)
    if saved is None:
        return EXIT_ERROR
    if saved.changed:
        print(f"imported knowledge base version {saved.version}: {counts}")
        print("Lambda containers answer with it within 5 minutes.")
    else:
        print(f"unchanged: version {saved.version} already has these files ({counts})")
    return EXIT_OK


def _read_files(faq: str, synonyms: str | None) -> tuple[bytes, bytes, str] | None:
    from chalicelib.kb import SYNONYMS_FILE, read_default_bytes

    try:
        faq_bytes = Path(faq).read_bytes()
        if synonyms:
            return faq_bytes, Path(synonyms).read_bytes(), synonyms
    except OSError as exc:
        _fail(f"cannot read {exc.filename}: {exc.strerror or exc}")
        return None
    return faq_bytes, read_default_bytes()[1], f"(shipped) {SYNONYMS_FILE}"


def _check(
    faq_name: str, faq_bytes: bytes, synonym_name: str, synonym_bytes: bytes, pinyin: Any
) -> Any:
    """The knowledge base, or None after printing every problem with its file and row."""
    from chalicelib.domain.kb import KbError, csv_rows, parse_kb, parse_synonyms

    problems: list[tuple[str, int, str]] = []
    faq_rows = synonym_rows = None
    try:
        synonym_rows = csv_rows(synonym_bytes)
        parse_synonyms(synonym_rows)
    except KbError as exc:
        problems += [(synonym_name, line, reason) for line, reason in exc.errors]
    try:
        faq_rows = csv_rows(faq_bytes)
    except KbError as exc:
        problems += [(faq_name, line, reason) for line, reason in exc.errors]
    kb = None
    if faq_rows is not None and not problems:
        try:
            kb = parse_kb(faq_rows, synonym_rows, pinyin)
        except KbError as exc:
            problems += [(faq_name, line, reason) for line, reason in exc.errors]
    elif faq_rows is not None:  # synonyms broken: still report every FAQ row's problems
        try:
            parse_kb(faq_rows, (), pinyin)
        except KbError as exc:
            problems += [(faq_name, line, reason) for line, reason in exc.errors]
    if problems:
        for name, line, reason in problems:
            where = f"{name} row {line}" if line else name
            print(f"{where}: {reason}", file=sys.stderr)
        count = len(problems)
        _fail(f"{count} problem{'s' if count > 1 else ''} found; nothing was imported")
        return None
    return kb


def _counts(kb: Any) -> str:
    questions = sum(len(e.questions) for e in kb.entries)
    keywords = sum(len(e.keywords) for e in kb.entries)
    articles = sum(1 for e in kb.entries if e.article)
    categories = len({e.category for e in kb.entries if e.category})
    return (
        f"{len(kb.entries)} entries in {categories} categories, {questions} questions, "
        f"{keywords} keywords, {articles} with an article, {len(kb.synonyms)} synonym words"
    )


def _save(kb: Any, source: bytes) -> Any:
    from pynamodb.exceptions import PynamoDBException

    from chalicelib.settings import SettingsError
    from chalicelib.store.kb import KbConflict, KbTooLarge

    try:
        return _store().save(kb, source)
    except (KbTooLarge, KbConflict) as exc:
        _fail(f"{exc}; nothing was imported")
    except SettingsError as exc:
        _fail(f"{exc} (start `claimbot dev`, or set the app's settings)")
    except PynamoDBException as exc:
        if getattr(exc, "cause_response_code", None) == "ResourceNotFoundException":
            _fail(
                f"no knowledge base table ({_table_name()}): it comes with infra/resources.yaml "
                "(restart `claimbot dev`, or deploy the stack); nothing was imported"
            )
        else:
            _fail(
                f"DynamoDB failed ({exc}); nothing was imported, the same file can be imported "
                "again"
            )
    return None


def _table_name() -> str:
    from chalicelib.store.kb import KbSnapshot

    return KbSnapshot.Meta.table_name


def _store() -> Any:
    """A KbStore on this stage's table: the running `claimbot dev`'s when nothing is set."""
    from chalicelib.settings import current_settings
    from chalicelib.store.kb import KbStore, bind_kb_table
    from devstack.cli import _use_running_stack_if_unconfigured

    _use_running_stack_if_unconfigured()
    bind_kb_table(current_settings())
    return KbStore()


# --- ask -----------------------------------------------------------------------------------


def run_ask(args: argparse.Namespace) -> int:
    from chalicelib.domain.kb import KbError

    try:
        kb, source = _knowledge_base(args)
    except KbError as exc:
        _fail(f"the knowledge base has problems (`kb import --dry-run` lists them):\n{exc}")
        return EXIT_ERROR
    except OSError as exc:
        _fail(f"cannot read {exc.filename}: {exc.strerror or exc}")
        return EXIT_ERROR
    if kb is None:
        _fail("nothing stored yet: `claimbot kb import FILE` first")
        return EXIT_ERROR
    result = kb.ask(args.question)
    out = {"question": args.question, "source": source, **result.to_json()}
    for item, match in zip(out["matches"], result.matches, strict=True):
        item["category"] = match.entry.category
    if args.top > 0:
        out["top"] = [
            {"id": m.entry.id, "score": round(m.score, 3)} for m in kb.scores(args.question)
        ][: args.top]
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return EXIT_OK


def _knowledge_base(args: argparse.Namespace) -> tuple[Any, str]:
    from chalicelib.domain.kb import csv_rows, parse_kb
    from chalicelib.kb import load_default, pinyin_table, read_default_bytes

    if args.stored:
        from pynamodb.exceptions import PynamoDBException

        from chalicelib.settings import SettingsError

        try:
            store = _store()
            head = store.head()
            return store.load(), f"stored version {head['version']}" if head else "stored"
        except (SettingsError, PynamoDBException) as exc:
            raise OSError(0, f"DynamoDB: {exc}", "the stored knowledge base") from exc
    if args.file:
        faq = Path(args.file).read_bytes()
        synonyms = Path(args.synonyms).read_bytes() if args.synonyms else read_default_bytes()[1]
        return parse_kb(csv_rows(faq), csv_rows(synonyms), pinyin_table()), args.file
    return load_default(), "shipped"


def _fail(message: str) -> None:
    print(f"claimbot: {message}", file=sys.stderr)


# --- eval ----------------------------------------------------------------------------------


def run_eval(args: argparse.Namespace) -> int:
    from chalicelib.kb import load_default, load_intents, pinyin_table
    from devstack.kb_eval import PARTS, TARGETS, evaluate, load_part, read_cases

    if args.cases:
        cases = read_cases(Path(args.cases).read_text(encoding="utf-8-sig").splitlines())
        label = args.cases
    else:
        parts = PARTS if args.part == "all" else (args.part,)
        cases = [c for part in parts for c in load_part(part)]
        label = args.part
    if args.file:
        files = _read_files(args.file, args.synonyms)
        if files is None:
            return EXIT_ERROR
        faq_bytes, synonym_bytes, synonym_name = files
        kb = _check(args.file, faq_bytes, synonym_name, synonym_bytes, pinyin_table())
        if kb is None:
            return EXIT_ERROR
    else:
        kb = load_default()
    report = evaluate(cases, kb, load_intents())
    print(f"{label}: {len(cases)} messages")
    missed = report.misses_targets()
    for name, value in report.figures().items():
        target = TARGETS[name]
        shown = f"{value:.1%}" if isinstance(value, float) else str(value)
        goal = f"{'≤' if name.endswith('_max') else '≥'} "
        goal += f"{target:.0%}" if isinstance(target, float) else str(target)
        print(f"  {name:28} {shown:>7}   target {goal:>6}  {'MISSED' if name in missed else 'ok'}")
    print(f"  {'right entry ranked first':28} {report.first_ranked:>7.1%}   (answered or offered)")
    if args.confusions:
        print("most frequent confusions (expected -> what the bot did):")
        for (expected, got), n in report.confusions().most_common(args.confusions):
            print(f"  {n:3}  {expected} -> {got}")
    return EXIT_ERROR if args.strict and missed else EXIT_OK


# --- misses --------------------------------------------------------------------------------


def _day(text: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day: {text!r} (YYYY-MM-DD)") from None


def run_misses(args: argparse.Namespace) -> int:
    from datetime import datetime, timedelta

    from pynamodb.exceptions import PynamoDBException

    from chalicelib.domain.kb_misses import CHINA, most_frequent
    from chalicelib.settings import SettingsError

    last = args.until or datetime.now(CHINA).date()
    first = args.since or last - timedelta(days=max(args.days, 1) - 1)
    if first > last:
        _fail(f"--since {first} is after --until {last}")
        return EXIT_ERROR
    if (last - first).days > 366:
        _fail("a period of at most 366 days, please (the log keeps about 90)")
        return EXIT_ERROR
    try:
        records = list(_miss_log().between(first, last))
    except SettingsError as exc:
        _fail(f"{exc} (start `claimbot dev`, or set the app's settings)")
        return EXIT_ERROR
    except PynamoDBException as exc:
        _fail(f"cannot read the miss log ({exc}); is `claimbot dev` running, or the stage set?")
        return EXIT_ERROR
    groups = most_frequent(records, args.top)
    if args.json:
        print(json.dumps(_misses_json(first, last, records, groups), ensure_ascii=False, indent=2))
    else:
        _print_misses(first, last, records, groups)
    return EXIT_OK


def _miss_log() -> Any:
    from chalicelib.settings import current_settings
    from chalicelib.store.kb_misses import KbMissLog
    from chalicelib.store.models import bind_tables
    from devstack.cli import _use_running_stack_if_unconfigured

    _use_running_stack_if_unconfigured()
    settings = current_settings()
    bind_tables(settings)
    return KbMissLog(settings.kb_miss_ttl_s)


def _period(args: argparse.Namespace) -> tuple[Any, Any] | None:
    from datetime import datetime, timedelta

    from chalicelib.domain.kb_misses import CHINA

    last = args.until or datetime.now(CHINA).date()
    first = args.since or last - timedelta(days=max(args.days, 1) - 1)
    if first > last:
        _fail(f"--since {first} is after --until {last}")
        return None
    if (last - first).days > 366:
        _fail("a period of at most 366 days, please (the log keeps about 90)")
        return None
    return first, last


def run_assisted(args: argparse.Namespace) -> int:
    """What staff sent from the candidates: phrasings for the entries, rows for tune.csv."""
    import csv

    from pynamodb.exceptions import PynamoDBException

    from chalicelib.domain.assist import eval_rows, grouped
    from chalicelib.settings import SettingsError
    from devstack.kb_eval import PARTS, load_part

    period = _period(args)
    if period is None:
        return EXIT_ERROR
    first, last = period
    try:
        choices = list(_assist_log().between(first, last))
    except SettingsError as exc:
        _fail(f"{exc} (start `claimbot dev`, or set the app's settings)")
        return EXIT_ERROR
    except PynamoDBException as exc:
        _fail(f"cannot read the Assist log ({exc}); is `claimbot dev` running, or the stage set?")
        return EXIT_ERROR
    groups = grouped(choices)
    if args.eval_csv:
        known = [case.text for part in PARTS for case in load_part(part)]
        writer = csv.DictWriter(sys.stdout, ["text", "expected", "style", "note"])
        writer.writeheader()
        writer.writerows(eval_rows(groups, known))
        return EXIT_OK
    groups = groups[: args.top] if args.top > 0 else groups
    if args.json:
        print(json.dumps({
            "from": first.isoformat(), "to": last.isoformat(), "choices": len(choices),
            "questions": [{"question": g.question, "count": g.count,
                           "entries": dict(g.entries.most_common()),
                           "unedited": dict(g.unedited.most_common()),
                           "ranks": {str(r): n for r, n in sorted(g.ranks.items())},
                           "wordings": [w for w, _ in g.wordings.most_common(5)]}
                          for g in groups],
        }, ensure_ascii=False, indent=2))  # fmt: skip
        return EXIT_OK
    print(f"kb assisted {first} .. {last} (China time): {len(choices)} answers sent from the "
          "candidates")  # fmt: skip
    if not groups:
        print("  none recorded")
        return EXIT_OK
    for g in groups:
        top = g.entries.most_common(3)
        sent = ", ".join(f"{e} x{n} ({g.unedited[e]} unedited)" for e, n in top)
        ranks = ", ".join(f"#{r} x{n}" for r, n in sorted(g.ranks.items()) if r) or "-"
        print(f"{g.count:5}  {g.question}")
        print(f"       sent: {sent}; offered at: {ranks}")
    print("an entry sent unedited = a phrasing to add to it (docs/KNOWLEDGE_BASE.md); "
          "--eval-csv: rows for tune.csv only")  # fmt: skip
    return EXIT_OK


def _assist_log() -> Any:
    from chalicelib.settings import current_settings
    from chalicelib.store.assist import AssistLog
    from chalicelib.store.models import bind_tables
    from devstack.cli import _use_running_stack_if_unconfigured

    _use_running_stack_if_unconfigured()
    settings = current_settings()
    bind_tables(settings)
    return AssistLog(settings.kb_miss_ttl_s)


def _misses_json(first: Any, last: Any, records: list[Any], groups: list[Any]) -> dict[str, Any]:
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "records": len(records),
        "questions": [
            {
                "question": g.question,
                "count": g.count,
                "no_answer": g.nothing,
                "offered": dict(g.offered.most_common()),
                "then": dict(g.chose.most_common()),
                "picked": dict(g.picked.most_common()),
                "wordings": [w for w, _ in g.wordings.most_common(5)],
            }
            for g in groups
        ],
    }


def _print_misses(first: Any, last: Any, records: list[Any], groups: list[Any]) -> None:
    print(f"kb misses {first} .. {last} (China time): {len(records)} questions not answered "
          f"for sure")  # fmt: skip
    if not groups:
        print("  none recorded: nothing to add")
        return
    for g in groups:
        offered = ", ".join(f"{entry} x{n}" for entry, n in g.offered.most_common(3)) or "-"
        then = ", ".join(f"{step} x{n}" for step, n in g.chose.most_common(3)) or "-"
        print(f"{g.count:5}  {g.question}")
        print(f"       no answer {g.nothing}; offered: {offered}")
        print(f"       then: {then}")
    print("picked:<entry> = customers chose that entry from the offer: add the question to its "
          "phrasings (docs/KNOWLEDGE_BASE.md)")  # fmt: skip
