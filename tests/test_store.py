"""The session store keeps everything typed, privately, and forgets a deleted session fully."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant.fileio import atomic_write_bytes, atomic_write_text, ensure_private_dir
from assistant.reflection.log import session_record
from assistant.store import (
    MIGRATIONS,
    AmbiguousId,
    NotFound,
    Session,
    Store,
    StoreError,
)

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("sessions", "turns", "pins", "actions", "coverage", "drafts", "turns_fts_docsize")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "reflect.db"


@pytest.fixture
def store(db_path: Path):
    with Store(db_path) as s:
        yield s


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def counts(db_path: Path, session_id: str | None = None) -> dict[str, int]:
    """Raw row counts, read with a separate connection (what is really on disk)."""
    conn = sqlite3.connect(db_path)
    try:
        out = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        if session_id is not None:
            out["actions_followed_in"] = conn.execute(
                "SELECT count(*) FROM actions WHERE followup_session_id = ?", (session_id,)
            ).fetchone()[0]
        return out
    finally:
        conn.close()


# ---------------------------------------------------------------------------- opening


def test_migrations_are_recorded_and_idempotent(db_path: Path) -> None:
    with Store(db_path) as s:
        assert s.applied_migrations() == [name for name, _ in MIGRATIONS]
        sid = s.create_session("reflection", title="first").id
    with Store(db_path) as s:  # opening again applies nothing twice and keeps data
        assert s.applied_migrations() == [name for name, _ in MIGRATIONS]
        assert s.get_session(sid) is not None
    names = [name for name, _ in MIGRATIONS]
    assert len(names) == len(set(names)), "migration names must be unique"


def test_actions_saved_before_owners_get_one(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """006: a reflection's actions had no owner (they are the practitioner's, 'me'); a group's are the team's."""
    import assistant.store.db as db

    before = [m for m in MIGRATIONS if m[0] != "006_action_owners"]
    monkeypatch.setattr(db, "MIGRATIONS", before)
    with Store(db_path) as s:
        reflection, group = s.create_session("reflection").id, s.create_session("group").id
        s.add_action(reflection, "Ring school")
        s.add_action(group, "Share the guidance")
        s.add_action(group, "Invite the police lead", owner="JT")
    monkeypatch.setattr(db, "MIGRATIONS", MIGRATIONS)
    with Store(db_path) as s:
        assert s.applied_migrations()[-1] == "006_action_owners"
        assert [a.owner for a in s.actions(reflection)] == ["me"]
        assert [a.owner for a in s.actions(group)] == ["team", "JT"]


def test_permissions_and_pragmas(db_path: Path) -> None:
    with Store(db_path) as s:
        s.add_turn(s.create_session("reflection").id, "practitioner", "hello")
        folder = db_path.parent
        assert mode(folder) == 0o700
        assert mode(db_path) == 0o600
        for suffix in ("-wal", "-shm"):
            side = db_path.with_name(db_path.name + suffix)
            if side.exists():
                assert mode(side) == 0o600
        conn = s._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_existing_loose_permissions_are_tightened(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.parent.chmod(0o755)
    db_path.touch()
    db_path.chmod(0o644)
    with Store(db_path):
        pass
    assert mode(db_path.parent) == 0o700
    assert mode(db_path) == 0o600


def test_closed_store_refuses_work(db_path: Path) -> None:
    s = Store(db_path)
    s.close()
    s.close()  # twice is fine
    with pytest.raises(StoreError):
        s.list_sessions()


# ---------------------------------------------------------------------------- sessions


def test_create_get_and_prefix(store: Store) -> None:
    s = store.create_session(
        "reflection", title="Planning", flow="after-supervision", strand="court", stage="planning"
    )
    assert isinstance(s, Session)
    assert len(s.id) == 8 and int(s.id, 16) >= 0
    assert (s.kind, s.status, s.finished_at) == ("reflection", "active", None)
    assert s.created_at.endswith("+00:00")
    assert store.get_session(s.id) == s
    assert store.get_session(s.id[:3]) == s
    assert store.get_session("zz-not-there") is None
    assert store.get_session("") is None
    with pytest.raises(ValueError):
        store.create_session("chat")  # type: ignore[arg-type]


def test_ambiguous_prefix(store: Store) -> None:
    ids = {store.create_session("reflection").id for _ in range(40)}
    # With 40 ids of 8 hex digits, some first digit is shared by two of them.
    first = [i[0] for i in ids]
    shared = next(c for c in first if first.count(c) > 1)
    with pytest.raises(AmbiguousId) as info:
        store.get_session(shared)
    assert isinstance(info.value, StoreError)
    assert shared in str(info.value) and len(info.value.matches) >= 2


def test_list_sessions_newest_first_with_preview(store: Store) -> None:
    a = store.create_session("reflection", title="a")
    b = store.create_session("group", title="b")
    c = store.create_session("reflection", title="c")
    store.add_turn(a.id, "assistant", "What stood out?", kind="question", step="q1")
    store.add_turn(a.id, "practitioner", "\n  The meeting with mum\nwent well", step="q1")
    store.add_turn(a.id, "practitioner", "second answer", step="q2")
    store.finish(c.id)
    listed = store.list_sessions()
    assert [s.id for s in listed] == [c.id, b.id, a.id]
    assert listed[2].first_answer == "The meeting with mum"
    assert listed[0].first_answer is None
    assert [s.id for s in store.list_sessions(kind="reflection")] == [c.id, a.id]
    assert [s.id for s in store.list_sessions(status="finished")] == [c.id]
    assert [s.id for s in store.list_sessions(kind="group", status="active")] == [b.id]


def test_state_meta_and_finish(store: Store) -> None:
    s = store.create_session("group", meta={"facilitator": "Ama"})
    assert s.meta == {"facilitator": "Ama"}
    state = {"step": "q3", "probed": ["voice", "strengths"], "nested": {"n": 1}}
    store.set_state(s.id, state)
    store.set_meta(s.id, {"facilitator": "Ama", "participants": ["Bo", "Cy"], "minutes": 5})
    got = store.get_session(s.id)
    assert got is not None and got.state == state
    assert got.meta["participants"] == ["Bo", "Cy"]
    done = store.finish(s.id)
    assert done.status == "finished" and done.finished_at
    assert store.finish(s.id).finished_at == done.finished_at  # first finish time kept
    with pytest.raises(NotFound):
        store.set_state("nope", {})
    with pytest.raises(NotFound):
        store.finish("nope")


# ---------------------------------------------------------------------------- turns


def test_turns_add_edit_delete(store: Store) -> None:
    s = store.create_session("reflection")
    q = store.add_turn(s.id, "assistant", "What did you take away?", kind="question", step="q1")
    a = store.add_turn(s.id, "practitioner", "A lot", step="q1")
    g = store.add_turn(s.id, "participant", "I agree", kind="contribution", speaker="Bo")
    assert [t.seq for t in store.turns(s.id)] == [1, 2, 3]
    assert (q.role, q.kind, q.step) == ("assistant", "question", "q1")
    assert g.speaker == "Bo" and a.edited_at is None
    edited = store.edit_turn(a.id, "A lot, on reflection")
    assert edited.text == "A lot, on reflection" and edited.edited_at
    assert store.get_turn(a.id) == edited
    assert store.delete_turn(q.id) is True
    assert store.delete_turn(q.id) is False
    assert [t.id for t in store.turns(s.id)] == [a.id, g.id]
    # A new turn never reuses a sequence number: not after deleting the first turn, and not
    # after deleting the last one either (the case that used to hand out the same seq again).
    more = store.add_turn(s.id, "practitioner", "more")
    assert more.seq == 4
    assert store.delete_turn(more.id) is True
    assert store.add_turn(s.id, "practitioner", "and more").seq == 5
    with pytest.raises(ValueError):
        store.add_turn(s.id, "robot", "x")  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        store.add_turn("nope", "practitioner", "x")
    with pytest.raises(NotFound):
        store.edit_turn(99999, "x")


UNICODE_SAMPLES = [
    "",
    "plain",
    "NUL\x00in the middle\x00",
    "controls \x01\x07\x1b[31m red \x7f\u0085\u2028\u2029",
    "emoji 🧒🏽👩‍👧‍👦 and flags 🏴󠁧󠁢󠁷󠁬󠁳󠁿",
    "Welsh: ŵ ŷ â, Polish: zażółć, Urdu: بچہ, combining e\u0301",
    "  leading and trailing whitespace \n\n\r\n\t ",
    "quotes ' \" ; DROP TABLE turns; --",
    "{{ 7*7 }} {% raw %} [bold]x[/bold] <script>alert(1)</script>",
    "x" * 1_000_000,
]


@pytest.mark.parametrize("text", UNICODE_SAMPLES, ids=range(len(UNICODE_SAMPLES)))
def test_unicode_round_trips_exactly(db_path: Path, text: str) -> None:
    with Store(db_path) as s:
        sid = s.create_session("reflection", title=text[:200]).id
        turn = s.add_turn(sid, "practitioner", text, step=text[:50], speaker=text[:20])
        s.pin_case(sid, "case-1", title=text[:100], snippet=text, reason=text[:100])
        s.add_action(sid, text, owner=text[:30])
        s.set_state(sid, {"draft": text})
    with Store(db_path) as s:  # from disk, not from a cache
        got = s.turns(sid)[0]
        assert got.text == text and got.id == turn.id
        assert got.step == text[:50] and got.speaker == text[:20]
        assert s.pins(sid)[0].snippet == text
        assert s.actions(sid)[0].text == text
        session = s.get_session(sid)
        assert session is not None
        assert session.title == text[:200] and session.state["draft"] == text


def test_lone_surrogates_are_kept_not_lost(store: Store) -> None:
    s = store.create_session("reflection")
    turn = store.add_turn(s.id, "practitioner", "before \ud800 after")
    assert turn.text == "before \ufffd after"


# ---------------------------------------------------------------------------- pins, coverage


def test_pins(store: Store) -> None:
    s = store.create_session("reflection")
    p = store.pin_case(s.id, "case-7", title="Sam", snippet="built with him", reason="voice")
    assert (p.case_id, p.title, p.reason) == ("case-7", "Sam", "voice")
    store.pin_case(s.id, "case-9", title="Ali", snippet="...")
    again = store.pin_case(s.id, "case-7", title="Sam", snippet="new", reason="plans")
    assert again.created_at == p.created_at and again.snippet == "new"
    assert [x.case_id for x in store.pins(s.id)] == ["case-7", "case-9"]
    assert store.unpin(s.id, "case-7") is True
    assert store.unpin(s.id, "case-7") is False
    assert [x.case_id for x in store.pins(s.id)] == ["case-9"]


def test_coverage(store: Store) -> None:
    s = store.create_session("reflection")
    t = store.add_turn(s.id, "practitioner", "I asked Jay what he wanted")
    assert store.mark_covered(s.id, "voice", t.id) is True
    assert store.mark_covered(s.id, "voice", t.id) is False  # once per expectation
    assert store.mark_covered(s.id, "strengths") is True
    assert store.covered(s.id) == {"voice", "strengths"}
    # Deleting the answer that was the evidence un-covers what it alone showed.
    store.delete_turn(t.id)
    assert store.covered(s.id) == {"strengths"}


# ---------------------------------------------------------------------------- actions


def test_actions_and_follow_up(store: Store) -> None:
    first = store.create_session("reflection")
    a1 = store.add_action(first.id, "Call school", owner="Me", due=dt.date(2026, 12, 1))
    a2 = store.add_action(first.id, "Read guidance")
    a3 = store.add_action(first.id, "Ask about NRM")
    assert a1.due == dt.date(2026, 12, 1) and a1.status == "open" and a2.due is None
    assert [a.id for a in store.actions(first.id)] == [a1.id, a2.id, a3.id]

    second = store.create_session("reflection")
    assert [a.id for a in store.open_actions(exclude_session=second.id)] == [a1.id, a2.id, a3.id]
    assert store.open_actions(exclude_session=first.id) == []

    done = store.resolve_action(a1.id, "done", "Rang on Monday", second.id)
    assert (done.status, done.followup, done.followup_session_id) == (
        "done", "Rang on Monday", second.id,
    )
    assert done.resolved_at
    store.resolve_action(a2.id, "carried", "Next month", second.id)
    store.resolve_action(a3.id, "dropped", "No longer needed", second.id)
    # In the session that followed them up, nothing is left to follow up ...
    assert store.open_actions(exclude_session=second.id) == []
    assert [a.id for a in store.followed_up(second.id)] == [a1.id, a2.id, a3.id]
    # ... and a later session sees the carried one again.
    third = store.create_session("reflection")
    assert [a.id for a in store.open_actions(exclude_session=third.id)] == [a2.id]
    assert [a.id for a in store.open_actions()] == [a2.id]

    with pytest.raises(ValueError):
        store.resolve_action(a1.id, "finished", None, None)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        store.resolve_action(99999, "done", None, None)
    with pytest.raises(TypeError):
        store.add_action(first.id, "x", due="2026-01-01")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- drafts


def test_draft_round_trip_replace_and_clear(db_path: Path) -> None:
    text = "  Half a thought about K's mum \x1b[2J and 🧒🏽\nsecond line\n"
    with Store(db_path) as s:
        sid = s.create_session("reflection").id
        other = s.create_session("reflection").id
        assert s.draft(sid) is None
        saved = s.save_draft(sid, text)
        assert saved is not None and saved.text == text
        s.save_draft(other, "another session's draft")
    with Store(db_path) as s:  # from disk, exactly as typed
        got = s.draft(sid)
        assert got is not None and (got.text, got.session_id) == (text, sid) and got.updated_at
        s.save_draft(sid, "replaced")
        assert s.draft(sid).text == "replaced"
        assert s.save_draft(sid, "  \n ") is None  # a blank box is no draft
        assert s.draft(sid) is None
        assert s.clear_draft(sid) is False
        assert s.draft(other).text == "another session's draft"
        assert s.save_draft(other, "broken \ud800 char").text == "broken \ufffd char"
        with pytest.raises(NotFound):
            s.save_draft("nope", "x")
        with pytest.raises(TypeError):
            s.save_draft(sid, None)  # type: ignore[arg-type]


def test_sending_the_answer_clears_the_draft_in_the_same_write(store: Store) -> None:
    sid = store.create_session("reflection").id
    store.save_draft(sid, "the answer, typed")
    store.add_turn(sid, "assistant", "Q?", kind="question", step="q1")
    assert store.draft(sid) is not None, "only a turn that sends it clears the draft"
    store.add_turn(sid, "practitioner", "the answer, typed", step="q1", clear_draft=True)
    assert store.draft(sid) is None


def test_deleting_a_session_deletes_its_draft(db_path: Path) -> None:
    with Store(db_path) as s:
        sid = s.create_session("reflection").id
        kept = s.create_session("reflection").id
        s.save_draft(sid, "wombatmarker draft")
        s.save_draft(kept, "kept draft")
        s.delete_session(sid)
        assert s.draft(sid) is None and s.draft(kept).text == "kept draft"
        assert counts(db_path)["drafts"] == 1
    for f in db_path.parent.iterdir():
        assert b"wombatmarker" not in f.read_bytes(), f.name


def test_a_replaced_draft_leaves_the_files(db_path: Path) -> None:
    with Store(db_path) as s:
        sid = s.create_session("reflection").id
        s.save_draft(sid, "his postcode is numbatmarker")
        s.save_draft(sid, "his postcode is [postcode]")
        for f in db_path.parent.iterdir():
            assert b"numbatmarker" not in f.read_bytes(), f.name


def test_a_draft_waits_only_briefly_for_another_programs_lock(db_path: Path) -> None:
    import time

    from assistant.store import StoreBusy

    with Store(db_path) as s:
        sid = s.create_session("reflection").id
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            with pytest.raises(StoreBusy):
                s.save_draft(sid, "typed while a backup runs")
            assert time.monotonic() - started < s.busy_timeout
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert s.save_draft(sid, "typed while a backup runs") is not None
        assert s._conn.execute("PRAGMA busy_timeout").fetchone()[0] == int(s.busy_timeout * 1000)


# ---------------------------------------------------------------------------- search


def test_search_finds_past_work(store: Store) -> None:
    a = store.create_session("reflection", title="one")
    b = store.create_session("reflection", title="two")
    t1 = store.add_turn(a.id, "practitioner", "We talked about exploitation and county lines")
    store.add_turn(b.id, "practitioner", "Reflecting on the school exclusion meeting")
    hits = store.search("county lines")
    assert [(s.id, t.id) for s, t in hits] == [(a.id, t1.id)]
    # Stemming: "reflected" finds "Reflecting".
    assert [s.id for s, _ in store.search("reflected")] == [b.id]
    assert store.search("nothing-like-this-anywhere") == []
    # After an edit, the old words are gone from search and the new ones found.
    store.edit_turn(t1.id, "We talked about peers")
    assert store.search("county") == []
    assert [t.id for _, t in store.search("peers")] == [t1.id]
    assert len(store.search("talked", limit=1)) == 1


@pytest.mark.parametrize(
    "query",
    [
        '"', "'", '"unbalanced', "*", "county*", "-county", "county -", "NEAR(a b)", "a AND",
        "OR", "NOT", "(", ")", "^start", "col:umn", "a:b:c", "{x y}", "+", "", "   ", "\x00",
        "🙂", "%_", "\\", "; DROP TABLE turns; --", "{{ 7*7 }}",
    ],
)
def test_search_never_raises_on_odd_queries(store: Store, query: str) -> None:
    s = store.create_session("reflection")
    store.add_turn(s.id, "practitioner", "county lines and NEAR misses OR other things")
    assert isinstance(store.search(query), list)


def test_search_syntax_words_are_plain_words(store: Store) -> None:
    s = store.create_session("reflection")
    t = store.add_turn(s.id, "practitioner", "a near miss, or not")
    assert [x.id for _, x in store.search("NEAR OR NOT")] == [t.id]


def test_search_sessions_finds_answers_titles_and_actions_with_the_line(store: Store) -> None:
    older = store.create_session("reflection", title="Planning with Kestrel", stage="planning",
                                 meta={"case_ref": "YJ-2026-0113"})
    store.add_turn(older.id, "assistant", "What did school say?", kind="question", step="q1")
    store.add_turn(older.id, "practitioner", "First we met.\n   We rang the school about his timetable.  \nLater.",
                   step="q1")
    store.add_turn(older.id, "practitioner", "(skipped)", kind="skip", step="q2")
    store.add_action(older.id, "Ask school for his attendance")
    group = store.create_session("group", title="Team session on schools", stage="review")
    store.add_turn(group.id, "participant", "AB thought school mattered most", kind="contribution", speaker="AB")
    other = store.create_session("reflection", title="Wren", stage="planning")
    store.add_turn(other.id, "practitioner", "Nothing like it", step="q1")

    found = [(m.session.id, m.where, m.line) for m in store.search_sessions("school")]
    assert found == [
        (group.id, "answer", "AB thought school mattered most"),
        (group.id, "title", "Team session on schools"),
        (older.id, "answer", "We rang the school about his timetable."),
        (older.id, "action", "Ask school for his attendance"),
    ], "newest first; the question asked is not the practitioner's words"
    assert [m.where for m in store.search_sessions("rang school timetable")] == ["answer"]  # every word
    assert [m.session.id for m in store.search_sessions("tim")] == [older.id]  # the start of a word
    assert store.search_sessions("school", stage="review")[0].session.id == group.id
    assert {m.session.id for m in store.search_sessions("school", stage="planning")} == {older.id}
    assert {m.session.id for m in store.search_sessions("school", case=" yj-2026-0113 ")} == {older.id}
    assert store.search_sessions("school", case="YJ-other") == []
    assert {m.session.id for m in store.search_sessions("school", open_actions=True)} == {older.id}
    assert store.search_sessions("school", since=dt.date(2999, 1, 1)) == []
    assert len(store.search_sessions("school", since=dt.date(2000, 1, 1))) == 4
    assert len(store.search_sessions("school", limit=2)) == 2
    store.resolve_action(store.actions(older.id)[0].id, "done", "rang them", other.id)
    assert store.search_sessions("school", open_actions=True) == []
    store.delete_session(group.id)
    assert {m.session.id for m in store.search_sessions("school")} == {older.id}


def test_search_sessions_shows_the_part_of_a_long_line_that_matched(store: Store) -> None:
    from assistant.store import per_session

    s = store.create_session("reflection", title="Long")
    store.add_turn(s.id, "practitioner", "word " * 300 + "kingfisher arrived " + "more " * 300)
    store.add_turn(s.id, "practitioner", "kingfisher again")
    (first, second) = store.search_sessions("kingfisher")
    assert "kingfisher arrived" in first.line and len(first.line) <= 165
    assert first.line.startswith("…") and first.line.endswith("…")
    assert [m.line for m in per_session([first, second])] == [first.line]


def test_search_sessions_since_is_the_day_the_session_started(db_path: Path) -> None:
    with Store(db_path, clock=lambda: "2025-03-01T23:59:59+00:00") as old:
        sid = old.create_session("reflection", title="march school").id
    with Store(db_path) as s:
        assert [m.session.id for m in s.search_sessions("school", since=dt.date(2025, 3, 1))] == [sid]
        assert s.search_sessions("school", since=dt.date(2025, 3, 2)) == []


@pytest.mark.parametrize(
    "query",
    ['"', "'", '"unbalanced', "*", "school*", "-school", "NEAR(a b)", "NEAR", "a AND", "OR", "NOT", "(", ")",
     "^start", "col:umn", "{x y}", "+", "", "   ", "\x00", "🙂", "school 🙂", "%", "_", "%_%", "\\", "[bold]",
     "; DROP TABLE turns; --", "{{ 7*7 }}", "x" * 5000],
)
def test_search_sessions_never_raises_on_odd_queries(store: Store, query: str) -> None:
    s = store.create_session("reflection", title="100% of the_school NEAR OR")
    store.add_turn(s.id, "practitioner", "school NEAR misses OR other things 🙂")
    store.add_action(s.id, "50% at school_run")
    assert isinstance(store.search_sessions(query), list)
    assert isinstance(store.search_sessions(query, case=query, stage=query), list)


def test_search_sessions_like_wildcards_are_plain_letters(store: Store) -> None:
    s = store.create_session("reflection", title="the school_run")
    store.create_session("reflection", title="the schoolXrun")
    assert [m.session.id for m in store.search_sessions("school_run")] == [s.id]


# ---------------------------------------------------------------------------- record, delete


def test_session_record(store: Store) -> None:
    earlier = store.create_session("reflection")
    old = store.add_action(earlier.id, "Old action")
    s = store.create_session("reflection", title="Review", flow="f", strand="st", stage="review")
    q = store.add_turn(s.id, "assistant", "Q?", kind="question", step="q1")
    a = store.add_turn(s.id, "practitioner", "Answer", step="q1")
    store.pin_case(s.id, "case-1", title="T", snippet="S", reason="R")
    store.add_action(s.id, "New action", owner="Me", due=dt.date(2026, 1, 2))
    store.resolve_action(old.id, "done", "Finished", s.id)
    store.mark_covered(s.id, "voice", a.id)
    store.mark_covered(s.id, "analysis")
    record = session_record(store, s.id)
    assert record["session"]["id"] == s.id and record["session"]["title"] == "Review"
    assert record["session"]["duration_minutes"] == 0
    assert [t["id"] for t in record["turns"]] == [q.id, a.id]
    assert record["pins"][0]["case_id"] == "case-1"
    assert record["actions"][0]["due"] == "2026-01-02"
    assert record["followed_up"][0]["followup"] == "Finished"
    assert record["covered"] == ["analysis", "voice"]
    import json

    json.dumps(record)  # plain data all the way down
    with pytest.raises(NotFound):
        session_record(store, "nope")


def test_duration_minutes(store: Store) -> None:
    s = store.create_session("reflection")
    store._conn.execute(
        "UPDATE sessions SET created_at = '2026-11-23T14:00:00+00:00',"
        " finished_at = '2026-11-23T14:35:20+00:00' WHERE id = ?",
        (s.id,),
    )
    assert session_record(store, s.id)["session"]["duration_minutes"] == 35


def test_delete_session_removes_everything(db_path: Path) -> None:
    marker = "zebracrossingmarker"
    with Store(db_path) as s:
        keep = s.create_session("reflection")
        s.add_turn(keep.id, "practitioner", "kept words")
        kept_action = s.add_action(keep.id, "Kept action")
        before = counts(db_path)

        gone = s.create_session("group", meta={"facilitator": "Ama"})
        t = s.add_turn(gone.id, "participant", f"secret {marker} text", speaker="Bo")
        s.add_turn(gone.id, "facilitator", "another turn")
        s.pin_case(gone.id, "case-1", title="T", snippet="S")
        s.add_action(gone.id, "Gone action")
        s.mark_covered(gone.id, "voice", t.id)
        s.save_draft(gone.id, f"an unsent {marker} draft")
        s.resolve_action(kept_action.id, "done", f"followed up {marker}", gone.id)
        assert [x.id for _, x in s.search(marker)] == [t.id]

        assert s.delete_session(gone.id) is True
        assert s.delete_session(gone.id) is False
        assert s.get_session(gone.id) is None
        assert s.search(marker) == []
        assert counts(db_path, gone.id) == {**before, "actions_followed_in": 0}
        # The follow-up typed in the deleted session is undone; the action is open again.
        restored = s.get_action(kept_action.id)
        assert restored is not None
        assert (restored.status, restored.followup, restored.followup_session_id) == (
            "open", None, None,
        )
        assert [x.text for _, x in s.search("kept")] == ["kept words"]
    # Nothing of the deleted text is left anywhere on disk (db, WAL, index pages).
    for f in db_path.parent.iterdir():
        assert marker.encode() not in f.read_bytes(), f.name


def test_delete_turn_leaves_no_index_trace(db_path: Path) -> None:
    with Store(db_path) as s:
        sid = s.create_session("reflection").id
        t = s.add_turn(sid, "practitioner", "quokkamarker words")
        s.add_turn(sid, "practitioner", "other words")
        s.delete_turn(t.id)
        assert s.search("quokkamarker") == []
        assert counts(db_path)["turns_fts_docsize"] == 1
    for f in db_path.parent.iterdir():
        assert b"quokkamarker" not in f.read_bytes(), f.name


# ---------------------------------------------------------------------------- durability


@pytest.mark.slow
def test_turn_survives_kill_9(db_path: Path) -> None:
    with Store(db_path) as s:
        sid = s.create_session("reflection", title="crash test").id
        s.set_state(sid, {"step": "q1"})
    code = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from assistant.store import Store
        s = Store(Path({str(db_path)!r}))
        s.add_turn({sid!r}, "practitioner", "typed just before the crash", step="q1")
        s.set_state({sid!r}, {{"step": "q2"}})
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    with Store(db_path) as s:
        turns = s.turns(sid)
        assert [t.text for t in turns] == ["typed just before the crash"]
        session = s.get_session(sid)
        assert session is not None and session.state == {"step": "q2"}
        assert s.search("crash")


# ---------------------------------------------------------------------------- fileio


def test_atomic_writes(tmp_path: Path) -> None:
    folder = ensure_private_dir(tmp_path / "a" / "b")
    assert mode(folder) == 0o700
    target = folder / "log.md"
    atomic_write_text(target, "first\r\nline 🙂\x00")
    assert target.read_bytes() == "first\r\nline 🙂\x00".encode()
    assert mode(target) == 0o600
    atomic_write_text(target, "second", mode=0o640)
    assert target.read_text() == "second" and mode(target) == 0o640
    atomic_write_bytes(folder / "x.npy", b"\x00\x01")
    assert (folder / "x.npy").read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in folder.iterdir()) == ["log.md", "x.npy"]  # no temp left


def test_atomic_write_failure_keeps_old_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "log.md"
    atomic_write_text(target, "old")

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["log.md"]
