"""BM25 over whole cases (bm25s), with English stop words and Snowball stemming.

Exact words matter to practitioners ("county lines", "CAMHS", "referral order") in a way an
embedding can blur; this ranking carries them.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

TOKEN = re.compile(r"(?u)\b\w\w+\b")


class Lexical:
    def __init__(self, texts: Sequence[str]) -> None:
        import bm25s
        import Stemmer
        from bm25s.stopwords import STOPWORDS_EN

        self._stemmer = Stemmer.Stemmer("english")
        self._stop = frozenset(STOPWORDS_EN)
        self._size = len(texts)
        self._bm25 = bm25s.BM25()
        corpus = [self.tokens(t) or ["\u2205"] for t in texts]
        if corpus:
            self._bm25.index(corpus, show_progress=False)
        self._vocab: dict[str, int] = dict(getattr(self._bm25, "vocab_dict", {}) or {})

    def tokens(self, text: str) -> list[str]:
        words = [w for w in TOKEN.findall(text.lower()) if w not in self._stop]
        return self._stemmer.stemWords(words)

    def scores(self, query: str) -> np.ndarray:
        """A BM25 score for every document (zeros when no query word is in the bank)."""
        known = [t for t in self.tokens(query) if t in self._vocab]
        if not known or not self._size:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)
