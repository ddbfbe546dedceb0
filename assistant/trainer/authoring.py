"""Writing cases: a skeleton to fill in, and importing a pasted case illustration.

- `skeleton` renders a commented case file to fill in (`reflect case new`).
- `import_text` turns a pasted case illustration into a case YAML (`reflect case import`):
  the parsing is `assistant.casebank.importer` (pure, no model); the themes are suggested here,
  by the similarity of the case's passages to the theme descriptions.

Importing this module is cheap: the search layer, and the model with it, load on first use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from assistant.casebank.model import STAGE_LABELS, STRAND_LABELS, Problem, Theme

if TYPE_CHECKING:
    import numpy as np

    from assistant.casebank.importer import Draft
    from assistant.search import Embedder


# Theme suggestion: a theme's score is its description's best cosine similarity to any passage
# of the case, as a z-score against the same theme's best similarities over the bundled bank
# (some descriptions are close to every case, some to few). The top themes whose z-score
# reaches THEME_Z are suggested, at least MIN_THEMES and at most MAX_THEMES. On the bundled
# bank (44 cases, 5 labelled themes each on average) this gives precision 0.64, recall 0.54.
THEME_Z = 0.5
MIN_THEMES = 2
MAX_THEMES = 5

# --- a new case -------------------------------------------------------------------------

def skeleton(stage: str, strand: str = "desistance", casebank: Path | None = None) -> str:
    """A commented case file with FILL IN placeholders, for `stage` (and `strand`)."""
    from assistant.casebank.load import BUNDLED_CASEBANK, load_framework, load_themes
    from assistant.render import render

    root = Path(casebank) if casebank else BUNDLED_CASEBANK
    problems: list[Problem] = []
    themes = load_themes(_own_or_bundled(root, "themes.yaml"), problems)
    framework = load_framework(_own_or_bundled(root, "framework.yaml"), problems)
    stage_def = framework.stage(strand, stage) or framework.stage("desistance", stage)
    return render("case_skeleton.yaml.j2", {
        "stage": stage,
        "stage_label": STAGE_LABELS.get(stage, stage),
        "strand": strand,
        "strand_title": STRAND_LABELS.get(strand, strand),
        "case_id": f"fill-in-name-{stage}-topic",
        "example_id": f"ravi-{stage}-exploitation",
        "theme_ids": sorted(themes),
        "expectations": [e.text for e in stage_def.expectations] if stage_def else [],
    })


def _own_or_bundled(root: Path, name: str) -> Path:
    from assistant.casebank.load import BUNDLED_CASEBANK

    own = root / name
    return own if own.exists() else BUNDLED_CASEBANK / name


# --- suggesting themes ------------------------------------------------------------------

@dataclass(frozen=True)
class ThemeScore:
    id: str
    similarity: float  # best cosine similarity of the description to a passage
    z: float  # against the same theme over the bundled bank


class ThemeSuggester:
    """Scores a case's passages against the theme descriptions, calibrated on the bundled bank."""

    def __init__(self, themes: dict[str, Theme], embedder: "Embedder") -> None:
        import numpy as np

        self.embedder = embedder
        self.ids = list(themes)
        self.vectors = embedder.encode([f"{t.label}: {t.description}" for t in themes.values()])
        reference = _bundled_case_vectors(embedder)
        best = np.stack([(rows @ self.vectors.T).max(axis=0) for rows in reference])
        self.mean = best.mean(axis=0)
        self.std = np.maximum(best.std(axis=0), 1e-6)

    def scores(self, passage_vectors: "np.ndarray") -> list[ThemeScore]:
        """Every theme, best first."""
        best = (passage_vectors @ self.vectors.T).max(axis=0)
        z = (best - self.mean) / self.std
        order = sorted(range(len(self.ids)), key=lambda i: -float(z[i]))
        return [ThemeScore(self.ids[i], float(best[i]), float(z[i])) for i in order]

    def suggest(self, passage_vectors: "np.ndarray") -> list[ThemeScore]:
        ranked = self.scores(passage_vectors)
        above = [s for s in ranked[:MAX_THEMES] if s.z >= THEME_Z]
        return above if len(above) >= MIN_THEMES else ranked[:MIN_THEMES]


def _bundled_case_vectors(embedder: "Embedder") -> list["np.ndarray"]:
    """The bundled bank's passage vectors, case by case (from the committed index)."""
    from assistant.casebank.load import load_bank
    from assistant.paths import BUNDLED_CASEBANK, BUNDLED_INDEX
    from assistant.search.index import build

    bank = load_bank(BUNDLED_CASEBANK)
    index, _ = build(bank.cases, BUNDLED_INDEX, embedder, write=False)
    return _split_rows(index)


def _split_rows(index) -> list["np.ndarray"]:
    starts = [int(s) for s in index.case_starts] + [len(index.chunks)]
    return [index.vectors[starts[i]:starts[i + 1]] for i in range(len(index.case_ids))]


def passage_texts(title: str, disposal: str, offences: Sequence[str], sections: Iterable[tuple[str, str]]) -> list[str]:
    """What the model sees for a case, passage by passage, as the index embeds it."""
    from assistant.search.chunks import split_passages

    texts = [f"{title}. {disposal}: {'; '.join(offences)}."]
    for _, text in sections:
        texts.extend(f"{title}. {p}" for p in split_passages(text))
    return texts


# --- importing --------------------------------------------------------------------------

@dataclass
class ImportResult:
    yaml_text: str
    case_id: str
    messages: list[str] = field(default_factory=list)  # one line per thing not found
    themes: list[ThemeScore] = field(default_factory=list)
    found_sections: bool = True


def import_text(text: str, themes: dict[str, Theme], embedder: "Embedder | None" = None,
                suggester: ThemeSuggester | None = None) -> ImportResult:
    """Parse a pasted case illustration, suggest its themes, and write the case YAML."""
    from assistant.casebank import importer

    draft = importer.parse(text)
    messages = [f"could not find {what}: fill in {name}" for name, what in draft.missing()]
    messages += _gender_messages(draft)
    if not draft.strand:
        messages.append("could not find the strand in the title or introduction: strand is set to desistance; "
                        "change it if the case is about safety or others-safety")
    found = bool(draft.summary or draft.inspector_comments or draft.learning or draft.questions)
    guesses: list[ThemeScore] = []
    body = [(name, txt) for name, txt in draft.sections() if txt]
    if body:
        if suggester is None:
            from assistant.search import Embedder

            suggester = ThemeSuggester(themes, embedder or Embedder())
        title = draft.title or draft.heading
        vectors = suggester.embedder.encode(passage_texts(title, draft.disposal, draft.offences, body))
        guesses = suggester.suggest(vectors)
    else:
        messages.append("could not suggest themes without any case text: fill in themes")
    messages += [d.note() for d in draft.dropped]
    topic = guesses[0].id if guesses else ""
    yaml_text = importer.to_yaml(draft, themes=[g.id for g in guesses], topic=topic)
    return ImportResult(yaml_text, importer.case_id(draft, topic), messages, guesses, found)


def _gender_messages(draft: "Draft") -> list[str]:
    """Say when the gender was left unset, and when it was read from pronouns rather than a word."""
    if not draft.summary:
        return []
    if draft.pronouns and not draft.gender:
        return [f"the summary says {draft.name or 'the child'} uses {draft.pronouns} pronouns: add child.gender "
                f"in the child's own words if it matters (optional)"]
    if not draft.gender:
        return ["could not tell the child's gender from the title or summary: add child.gender if it matters (optional)"]
    if draft.gender_source == "pronouns":
        return [f"read child.gender '{draft.gender}' from the pronouns the summary uses for {draft.name}: check it"]
    return []
