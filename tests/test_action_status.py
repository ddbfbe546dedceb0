"""Reading what a follow-up answer says about an earlier action (prompts/action_status.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.reflection.action_status import FALLBACK, bundled_status_words, load_status_words


@pytest.fixture(scope="module")
def status_words():
    found, problems = load_status_words()
    assert problems == []
    return found


# The answer to "How did it go?", and what it says became of the action (None: ask).
ANSWERS = [
    # done
    ("Done.", "done"),
    ("Done. The referral went in on Monday and CAMHS have accepted it.", "done"),
    ("The referral went in last week.", "done"),
    ("Done, but we need another meeting", "done"),
    ("Yes, I met his mum and the school on Tuesday.", "done"),
    ("yep", "done"),
    ("I did it on Thursday with his youth worker.", "done"),
    ("Completed: the panel agreed the plan.", "done"),
    ("All sorted now.", "done"),
    ("It happened, and he turned up on time.", "done"),
    ("Finished it at the weekend", "done"),
    ("DONE!", "done"),
    ("I finally got round to it on Friday.", "done"),
    # carried, including negations
    ("Not done, mum cancelled", "carried"),
    ("Not done yet.", "carried"),
    ("I haven't done it.", "carried"),
    ("Haven\u2019t done it yet, the school did not reply.", "carried"),
    ("Not yet", "carried"),
    ("Still to do: I ran out of time.", "carried"),
    ("I'd like to carry it on.", "carried"),
    ("It's ongoing.", "carried"),
    ("Booked for next week.", "carried"),
    ("In progress: two of the three calls made.", "carried"),
    ("Nothing done yet", "carried"),
    ("Half done, the letter is still to send", "carried"),
    ("I have not started the reading.", "carried"),
    ("Didn't get round to it.", "carried"),
    ("Yes, but still waiting for CAMHS to reply.", "carried"),
    ("We haven't dropped it, just paused.", "carried"),
    ("It isn't complete.", "carried"),
    # dropped
    ("We dropped it because he moved", "dropped"),
    ("No longer needed: he has a place at college.", "dropped"),
    ("Not going ahead, the panel said no.", "dropped"),
    ("We decided against it after talking to his mum.", "dropped"),
    ("It's not needed any more.", "dropped"),
    # nothing said about the status: ask
    ("Sort of", None),
    ("I rang, and they agreed a reduced timetable.", None),
    ("It went well, mum came along.", None),
    ("Hmm.", None),
    ("No", None),
    ("The school were helpful.", None),
    ("I called and they offered him a place on the January course.", None),
]


@pytest.mark.parametrize("answer, status", ANSWERS)
def test_a_follow_up_answer_is_read(status_words, answer: str, status: str | None) -> None:
    assert status_words.read(answer) == status


def test_the_table_is_big_enough() -> None:
    assert len(ANSWERS) >= 30 and {s for _, s in ANSWERS} == {"done", "carried", "dropped", None}


@pytest.mark.parametrize("reply, status", [
    ("done", "done"), ("d", "done"), ("Yes, finished", "done"), ("carry on", "carried"), ("c", "carried"),
    ("no", "carried"), ("not yet", "carried"), ("drop it", "dropped"), ("drop", "dropped"), ("banana", None),
])
def test_a_reply_to_the_status_question(status_words, reply: str, status: str | None) -> None:
    assert status_words.read_reply(reply) == status


@pytest.mark.parametrize("answer, offer", [
    ("now", "now"), ("Yes please", "now"), ("review them", "now"), ("later", "later"), ("not now", "later"),
    ("no", "later"), ("maybe next time", "later"), ("hmm", None),
])
def test_the_offer_to_review_other_actions(status_words, answer: str, offer: str | None) -> None:
    assert status_words.read_offer(answer) == offer


@pytest.mark.parametrize("answer, none", [
    ("no date", True), ("leave it without a date", True), ("none", True), ("I don't know", True),
    ("31/03", False), ("the week after", False),
])
def test_leaving_an_action_without_a_date(status_words, answer: str, none: bool) -> None:
    assert status_words.means_no_date(answer) is none


def test_a_broken_file_is_one_problem_and_reflect_falls_back_to_asking(tmp_path: Path) -> None:
    path = tmp_path / "action_status.yaml"
    path.write_text("statuses: [\n", encoding="utf-8")
    found, problems = load_status_words(path)
    assert found is FALLBACK and len(problems) == 1 and "action_status.yaml" in str(problems[0])
    assert "\n" not in str(problems[0])
    assert found.read("Done. The referral went in.") is None  # not read: the status question is asked
    assert found.read_reply("done") == "done" and found.read_reply("carry on") == "carried"
    assert found.read_offer("later") == "later" and found.means_no_date("no date")


def test_mistakes_in_the_words_are_named_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "action_status.yaml"
    path.write_text("statuses:\n  done:\n    phrases: [done]\n    first_word: [yes]\n  finished: {phrases: [x]}\n"
                    "negation_window: 40\n", encoding="utf-8")
    found, problems = load_status_words(path)
    assert found is FALLBACK
    text = [str(p) for p in problems]
    assert any(":4: statuses.done.first_word" in t and "quote yes" in t for t in text)  # YAML read yes as true
    assert any("unknown status 'finished'" in t for t in text)
    assert any("negation_window" in t for t in text)


def test_the_bundled_words_are_read_once() -> None:
    assert bundled_status_words() is bundled_status_words() and bundled_status_words()[1] == ()


def test_the_app_reports_a_broken_file_among_its_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.paths import resolve_paths
    from assistant.reflection import action_status
    from assistant.services import Services

    broken = tmp_path / "action_status.yaml"
    broken.write_text("statuses: [\n", encoding="utf-8")
    monkeypatch.setattr(action_status, "bundled_status_words", lambda: (FALLBACK, tuple(load_status_words(broken)[1])))
    problems = Services(resolve_paths(data_dir=tmp_path / "data")).problems
    assert [str(p) for p in problems if "action_status.yaml" in str(p)] != []
