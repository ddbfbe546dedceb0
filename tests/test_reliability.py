"""Issue 13: the store, exports and inputs attacked. Real files, real SQLite, real processes.

Each test here failed on the code before the fix: escape bytes reaching terminals, YAML bombs
under the size limit, export temp files piling up, a locked or damaged database giving
tracebacks, deleted text left in logs and the WAL, and delete skipping its question.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.casebank.yamlfile import MAX_BYTES, YamlProblem, parse_yaml, read_yaml
from assistant.cli import cli
from assistant.paths import resolve_paths
from assistant.services import Services
from assistant.store import Store

from conftest import BUNDLED, ROOT

# ESC, BEL and every other C0 control but tab and newline, DEL, C1 (UTF-8 \xc2\x80-\x9f), bidi overrides.
UNSAFE_BYTES = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
NASTY = "\x1b[2J\x1b]52;c;aGVsbG8=\x07\x9b31m\x85\x7f\u202e\r"
MARK = "QUOKKAZEBRA"


def runner() -> CliRunner:
    return CliRunner()


def call(data: Path, *args: str, input: str | None = None, env: dict[str, str] | None = None):
    return runner().invoke(cli, ["--data-dir", str(data), *args], input=input, env=env,
                           catch_exceptions=False)


def one_line_error(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def seed(data: Path, title: str = f"Thinking about K {MARK}", answer: str = f"He said {MARK} twice.") -> str:
    """A finished reflection with one question and answer, saved the way the app saves it."""
    with Store(data / "reflect.db") as store:
        s = store.create_session("reflection", title=title, flow="takeaways", strand="desistance",
                                 stage="assessment")
        store.add_turn(s.id, "assistant", "What stood out?", kind="question", step="q1")
        store.add_turn(s.id, "practitioner", answer, step="q1")
        store.add_action(s.id, f"Call school {MARK}")
        store.finish(s.id)
        return s.id


def scan_folder(folder: Path, needle: bytes) -> list[str]:
    """Every file under `folder` whose bytes hold `needle`."""
    return [str(p) for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------ terminal escapes


def test_no_escape_byte_from_data_reaches_any_output(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sid = seed(data, title=f"K {NASTY} title", answer=f"answer {NASTY} end\nsecond line\tTabbed")
    outputs = [call(data, "sessions", "list"), call(data, "sessions", "list", "--json"),
               call(data, "sessions", "show", sid)]
    for fmt in ("md", "html"):
        outputs.append(call(data, "sessions", "export", sid, "--format", fmt))
    outputs.append(call(data, "sessions", "export", sid, "--format", "md", "-o", str(tmp_path / f"x{NASTY}.md")))
    for result in outputs:
        assert result.exit_code in (0, 1), result.output
        assert not UNSAFE_BYTES.search(result.stdout_bytes), result.stdout_bytes
        assert not UNSAFE_BYTES.search(result.stderr_bytes), result.stderr_bytes
    files = list((data / "logs").iterdir())
    assert len(files) == 2
    for path in files:
        raw = path.read_bytes()
        assert not UNSAFE_BYTES.search(raw), (path, raw)
        assert b"\\x1b[2J" in raw and b"second line\tTabbed" in raw  # escaped visibly; newlines and tabs kept
    import json

    (listed,) = json.loads(outputs[1].stdout)
    assert listed["title"] == f"K {NASTY} title"  # JSON escapes them its own way: nothing is lost


def test_handout_export_is_clean(tmp_path: Path, small_bank: Path) -> None:
    from assistant.casebank import load_bank
    from assistant.services.export import export_handout

    case = small_bank / "cases" / sorted(os.listdir(small_bank / "cases"))[0]
    lines = case.read_text("utf-8").splitlines()
    lines[1] = 'title: "A bell \\a, a clear screen \\e[2J, a clipboard \\e]52;c;aGk=\\a and a CSI \\x9b2J"'
    case.write_text("\n".join(lines) + "\n", "utf-8")
    bank = load_bank(small_bank)
    (evil,) = [c for c in bank.cases if c.id == case.stem]
    assert "\x1b" in evil.title  # the data really holds them
    for fmt in ("md", "html"):
        out = export_handout(evil.id, bank, fmt, logs_dir=tmp_path / "logs")
        assert not UNSAFE_BYTES.search(out.read_bytes())
        assert b"\\x1b[2J" in out.read_bytes()


def test_case_validate_prints_no_raw_escapes(tmp_path: Path, small_bank: Path) -> None:
    cases = small_bank / "cases"
    first = sorted(cases.iterdir())[0]
    # YAML's own escapes put ESC, BEL and C1 into keys and values (raw ones are refused by the reader).
    bad = first.read_text("utf-8").replace("themes: [", "themes: [\"gang\\e]52;c;eA==\\as\", ", 1)
    bad = bad.replace("disposal: ", "disposal: \"FILL IN \\e[2J\" #", 1)
    bad += "\n\"surprise\\x9b2J\": 1\n"
    (cases / f"evil\x1b[2J{first.name}").write_text(bad, "utf-8")
    (cases / "raw\x1b[2J.yaml").write_text("id: \x1b[2J\n", "utf-8")  # refused by the reader, quoted back
    result = runner().invoke(cli, ["--casebank", str(small_bank), "case", "validate"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "unknown key" in result.stderr and "evil" in result.stderr and "unknown theme" in result.stderr
    assert "fill in" in result.stderr.lower() and "\\x1b[2J" in result.stderr
    assert not UNSAFE_BYTES.search(result.stderr_bytes) and not UNSAFE_BYTES.search(result.stdout_bytes)
    usage = runner().invoke(cli, ["sessions", "export", "x", "--format", "md\x1b[2J"], catch_exceptions=False)
    assert usage.exit_code == 2 and not UNSAFE_BYTES.search(usage.stderr_bytes)


# ------------------------------------------------------------------ YAML bombs under the byte limit

NEAR_LIMIT = {
    "flow sequence, one line": "x: [" + ",".join(["a"] * 330_000) + "]\n",
    "flow mapping, one line": "x: {" + ",".join(f"k{i}: v" for i in range(90_000)) + "}\n",
    "plain scalar, one line": "x: " + "a" * 990_000 + "\n",
    "flow sequence, many lines": "x: [\n" + ",\n".join(["a"] * 300_000) + "]\n",
    "block sequence": "x:\n" + "".join("- a\n" for _ in range(240_000)),
    "block mapping": "".join(f"k{i}: v\n" for i in range(100_000)),
    "folded plain scalar": "x: " + "\n  ".join(["a" * 28] * 32_000) + "\n",
}


@pytest.mark.parametrize("shape", NEAR_LIMIT, ids=list(NEAR_LIMIT))
def test_near_limit_yaml_is_refused_in_under_a_second(tmp_path: Path, shape: str) -> None:
    text = NEAR_LIMIT[shape]
    assert len(text.encode()) <= MAX_BYTES
    path = tmp_path / "bomb.yaml"
    path.write_text(text, "utf-8")
    started = time.perf_counter()
    with pytest.raises(YamlProblem) as problem:
        read_yaml(path)
    assert time.perf_counter() - started < 1.0, problem.value  # takes about 0.05 s
    assert problem.value.line is not None


def test_ordinary_yaml_still_reads(bank) -> None:
    assert len(bank.cases) >= 40 and not bank.problems
    doc = parse_yaml("a: [1, 2, 3]\nb: {c: d}\n")
    assert doc.data == {"a": [1, 2, 3], "b": {"c": "d"}} and doc.line("b.c") == 2


# ------------------------------------------------------------------ export temp files

EXPORTER = r"""
import sys
from pathlib import Path
from assistant.services.export import export_session
from assistant.casebank import load_bank
from assistant.reflection.flows import load_flows
from assistant.store import Store
data = Path(sys.argv[1]); sid = sys.argv[2]
store = Store(data / "reflect.db"); bank = load_bank(Path(sys.argv[3])); flows = load_flows()[0]
print("ready", flush=True)
while True:
    export_session(store, sid, "md", flows, bank, logs_dir=data / "logs")
"""


def test_kill_during_export_then_start_up_leaves_no_temp_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sid = seed(data, answer=("A long answer. " * 40_000))  # about 600 KB: each write takes a moment
    logs = data / "logs"
    leftovers = 0
    for _ in range(6):
        child = subprocess.Popen([sys.executable, "-c", EXPORTER, str(data), sid, str(BUNDLED)], cwd=ROOT,
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 20
        while not any(p.name.endswith(".tmp") for p in logs.glob(".*")) and time.monotonic() < deadline:
            time.sleep(0.001)
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        leftovers = max(leftovers, len(list(logs.glob(".*.tmp"))))
        if leftovers:
            break
    assert leftovers, "no kill landed inside a write; the scenario was not reproduced"
    legacy = logs / ".2026-01-01-old-deadbeef.md.a1b2c3d4.tmp"  # left by an older version
    legacy.write_text("old copy")
    os.utime(legacy, (time.time() - 3600, time.time() - 3600))
    Services(resolve_paths(data_dir=data)).store.close()  # what the app does when it starts
    assert list(logs.glob(".*.tmp")) == []


def test_sessions_delete_removes_its_temp_files_and_logs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sid = seed(data)
    for fmt in ("md", "html"):
        assert call(data, "sessions", "export", sid, "--format", fmt).exit_code == 0
    log = next((data / "logs").glob("*.md"))
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:  # a temp copy whose writer is still running is left by the start-up sweep, removed by delete
        (data / "logs" / f".{log.name}.{alive.pid}-abcd1234.tmp").write_text(MARK)
        deleted = call(data, "sessions", "delete", sid, "--yes")
    finally:
        alive.kill()
        alive.wait()
    assert deleted.exit_code == 0 and "exported log(s)" in deleted.stdout and log.name in deleted.stdout
    assert list((data / "logs").iterdir()) == []
    assert scan_folder(data, MARK.encode()) == []


# ------------------------------------------------------------------ a lock held by another process

LOCKER = r"""
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE" if sys.argv[2] == "write" else "BEGIN")
conn.execute("SELECT count(*) FROM turns").fetchall()
print("held", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
conn.close()
"""


class Holder:
    """Another process holding the write lock (or a read transaction) until told to let go."""

    def __init__(self, db: Path, kind: str = "write") -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", LOCKER, str(db), kind], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "held"

    def release(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=10)

    @property
    def holding(self) -> bool:
        return self.proc.poll() is None


def test_read_commands_need_no_write_lock_and_writes_fail_in_one_line(tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data"
    sid = seed(data)
    monkeypatch.setenv("REFLECT_BUSY_TIMEOUT", "0.3")
    holder = Holder(data / "reflect.db")
    try:
        listed = call(data, "sessions", "list", "--json")
        shown = call(data, "sessions", "show", sid)
        exported = call(data, "sessions", "export", sid)
        assert holder.holding  # all three ran while the lock was held
        assert listed.exit_code == 0 and sid in listed.stdout
        assert shown.exit_code == 0 and MARK in shown.stdout
        assert exported.exit_code == 0
        busy = call(data, "sessions", "delete", sid, "--yes")
        assert busy.exit_code == 1 and "busy" in one_line_error(busy)
        assert holder.holding
    finally:
        holder.release()
    assert call(data, "sessions", "delete", sid, "--yes").exit_code == 0


def test_a_write_waits_for_the_lock_and_retries(tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data"
    sid = seed(data)
    monkeypatch.setenv("REFLECT_BUSY_TIMEOUT", "5")
    holder = Holder(data / "reflect.db")
    assert holder.holding  # the lock is held when the delete starts
    timer = threading.Timer(0.5, holder.release)
    timer.start()
    result = call(data, "sessions", "delete", sid, "--yes")
    assert result.exit_code == 0, result.stderr  # it waited for the lock rather than failing
    timer.join()
    assert call(data, "sessions", "show", sid).exit_code == 1  # and the delete really happened


# ------------------------------------------------------------------ deleted text leaves every file


def test_edited_away_text_leaves_the_wal_while_the_store_stays_open(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data / "reflect.db")
    try:
        s = store.create_session("reflection", title="K")
        turn = store.add_turn(s.id, "practitioner", f"He lives at {MARK} Road, SW1A 1AA.")
        store.edit_turn(turn.id, "He lives near the park.")
        assert scan_folder(data, MARK.encode()) == []
        other = store.add_turn(s.id, "practitioner", f"Second {MARK}")
        store.delete_turn(other.id)
        assert scan_folder(data, MARK.encode()) == []
    finally:
        store.close()


def test_text_held_back_by_a_reader_leaves_once_it_lets_go(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sid = seed(data)
    store = Store(data / "reflect.db", busy_timeout=0.3)
    try:
        keep = store.create_session("reflection", title="another")
        reader = Holder(data / "reflect.db", kind="read")
        try:
            store.delete_session(sid)
            assert store.scrub_pending  # the reader still sees the old pages
        finally:
            reader.release()
        store.add_turn(keep.id, "practitioner", "a later answer")  # the next write finishes it
        assert not store.scrub_pending
        assert scan_folder(data, MARK.encode()) == []
    finally:
        store.close()


def test_cli_delete_waits_for_a_reader_then_scrubs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sid = seed(data)
    reader = Holder(data / "reflect.db", kind="read")
    env = {**os.environ, "REFLECT_BUSY_TIMEOUT": "0.3"}
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "--data-dir", str(data), "sessions", "delete",
                             sid, "--yes"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stderr is not None
        note = proc.stderr.readline()
        assert "another program is reading" in note, note
    finally:
        reader.release()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "Deleted session" in out and "still in" not in err, err
    assert scan_folder(data, MARK.encode()) == []


# ------------------------------------------------------------------ damaged, read-only and foreign folders


@pytest.mark.parametrize("damage", ["truncated", "garbage", "migrations lost"])
def test_a_damaged_database_is_one_line_and_never_rewritten(tmp_path: Path, damage: str) -> None:
    data = tmp_path / "data"
    sid = seed(data, answer="x " * 60_000)
    db = data / "reflect.db"
    if damage == "truncated":
        raw = db.read_bytes()
        db.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        db.write_bytes(os.urandom(8192) * 8)
    else:
        import sqlite3

        conn = sqlite3.connect(db)
        conn.execute("DROP TABLE _migrations")
        conn.commit()
        conn.close()
    before = digest(db)
    for args in (["sessions", "list"], ["sessions", "list", "--json"], ["sessions", "show", sid],
                 ["sessions", "export", sid], ["sessions", "delete", sid, "--yes"]):
        result = call(data, *args)
        assert result.exit_code == 1, (args, result.output)
        line = one_line_error(result)
        assert "reflect.db is damaged" in line and "move it aside" in line, line
    assert digest(db) == before
    assert sorted(p.name for p in data.iterdir()) == ["reflect.db"]


def test_read_only_folder_reads_refuses_writes_and_keeps_its_mode(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sid = seed(data)
    call(data, "sessions", "export", sid)
    data.chmod(0o500)
    try:
        assert call(data, "sessions", "list").exit_code == 0
        shown = call(data, "sessions", "show", sid)
        assert shown.exit_code == 0 and MARK in shown.stdout
        elsewhere = tmp_path / "out.md"
        assert call(data, "sessions", "export", sid, "-o", str(elsewhere)).exit_code == 0 and elsewhere.exists()
        for args in (["sessions", "export", sid], ["sessions", "delete", sid, "--yes"]):
            result = call(data, *args)
            assert result.exit_code == 1 and "read-only" in one_line_error(result), result.output
        assert data.stat().st_mode & 0o777 == 0o500  # the owner's choice stands
        assert not (data / "reflect.db-wal").exists()
    finally:
        data.chmod(0o700)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to someone else needs root")
def test_someone_elses_folder_is_read_but_never_written(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sid = seed(data)
    os.chown(data, 65534, 65534)
    try:
        assert call(data, "sessions", "show", sid).exit_code == 0
        result = call(data, "sessions", "delete", sid, "--yes")
        assert result.exit_code == 1 and "belongs to someone else" in one_line_error(result)
    finally:
        os.chown(data, 0, 0)
    assert call(data, "sessions", "show", sid).exit_code == 0


# ------------------------------------------------------------------ the question is asked on any stdin


@pytest.mark.parametrize("answer", ["n\n", "", "maybe\n"])
def test_delete_asks_even_when_stdin_is_not_a_terminal(tmp_path: Path, answer: str) -> None:
    data = tmp_path / "data"
    sid = seed(data)
    result = call(data, "sessions", "delete", sid, input=answer)
    assert result.exit_code == 1 and "nothing was deleted" in result.stderr
    assert call(data, "sessions", "show", sid).exit_code == 0


def test_delete_offers_the_exported_logs_too(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sid = seed(data)
    call(data, "sessions", "export", sid)
    kept = call(data, "sessions", "delete", sid, input="y\nn\n")
    assert kept.exit_code == 0 and "exported log(s) in" in kept.stderr and "are kept" in kept.stdout
    assert len(list((data / "logs").iterdir())) == 1
    sid = seed(data)
    call(data, "sessions", "export", sid)
    gone = call(data, "sessions", "delete", sid, input="y\ny\n")
    assert gone.exit_code == 0 and "and its exported log(s)" in gone.stdout
    assert [p.name for p in (data / "logs").iterdir() if sid in p.name] == []
