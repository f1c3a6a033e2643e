"""Write chalicelib/domain/question_vectors.npz: the sentence embeddings of the shipped
knowledge base's questions, as the matcher reads them (normalised, pinyin spelled, synonyms
replaced), so that a new container does not compute them on its first message.

    python -m devstack.kb_vectors

Run it after changing chalicelib/kb/faq.csv or synonyms.csv (tests/unit/test_kb_semantic.py
fails until then). A knowledge base imported later (`claimbot kb import`) still works: its new
questions are encoded on the first message after the import.
"""

from __future__ import annotations

from importlib import resources

from chalicelib.domain import semantic
from chalicelib.kb import load_default


def shipped_questions() -> list[str]:
    kb = load_default()
    return sorted({t for texts in kb._questions for t in texts})


def main() -> None:
    path = resources.files("chalicelib.domain") / semantic.QUESTION_VECTORS
    texts = shipped_questions()
    semantic.write_vectors(str(path), texts, semantic._Use(known={}))
    print(f"wrote {path}: {len(texts)} questions")


if __name__ == "__main__":
    main()
