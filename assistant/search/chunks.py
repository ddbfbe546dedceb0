"""Cutting cases into passages that fit the embedding model's window.

all-MiniLM-L6-v2 was trained on inputs of up to 128 word pieces, so passages (with the case
title in front) aim at about
`MAX_WORDS` words (roughly 1.3 word pieces a word in case prose): paragraphs are kept whole
where they fit, merged while small and split at sentence ends when long. Each passage is
also the snippet shown to a reader, so it is always verbatim case text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from assistant.casebank.model import Case

MAX_WORDS = 75
MIN_WORDS = 20
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'‘“(])")


@dataclass(frozen=True)
class Chunk:
    case_id: str
    section: str  # "title", "summary", "inspector_comments", "learning", "questions"
    text: str  # verbatim case text: the snippet

    def embed_text(self, title: str) -> str:
        """What the model sees: the passage, led by the case title for context."""
        return self.text if self.section == "title" else f"{title}. {self.text}"

    def key(self, title: str, model_id: str) -> str:
        payload = f"{model_id}\0{self.embed_text(title)}".encode("utf-8")
        return hashlib.sha256(payload).hexdigest()[:32]


def chunk_case(case: Case, max_words: int = MAX_WORDS) -> list[Chunk]:
    """The case's passages in reading order, led by a short header passage."""
    header = f"{case.title}. {case.disposal}: {'; '.join(case.offences)}."
    chunks = [Chunk(case.id, "title", header)]
    for section, text in case.sections():
        for passage in split_passages(text, max_words):
            chunks.append(Chunk(case.id, section, passage))
    return chunks


def split_passages(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """Paragraph-respecting passages of at most about `max_words` words."""
    units: list[str] = []
    for para in re.split(r"\n\s*\n|\n(?=\S)", text.strip()):
        para = " ".join(para.split())
        if not para:
            continue
        if len(para.split()) <= max_words:
            units.append(para)
        else:
            units.extend(_split_long(para, max_words))
    passages: list[str] = []
    current: list[str] = []
    count = 0
    for unit in units:
        n = len(unit.split())
        if current and (count + n > max_words or count >= MIN_WORDS and n >= MIN_WORDS):
            passages.append(" ".join(current))
            current, count = [], 0
        current.append(unit)
        count += n
    if current:
        passages.append(" ".join(current))
    return passages


def _split_long(paragraph: str, max_words: int) -> list[str]:
    out: list[str] = []
    current: list[str] = []
    count = 0
    for sentence in SENTENCE_END.split(paragraph):
        n = len(sentence.split())
        if current and count + n > max_words:
            out.append(" ".join(current))
            current, count = [], 0
        if n > max_words:  # one enormous sentence: cut by words
            words = sentence.split()
            for i in range(0, len(words), max_words):
                out.append(" ".join(words[i:i + max_words]))
            continue
        current.append(sentence)
        count += n
    if current:
        out.append(" ".join(current))
    return out
