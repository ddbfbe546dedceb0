"""The schema, as named, append-only migrations applied in order and recorded in `_migrations`.

Never edit one that has shipped: append a new one.
"""

from __future__ import annotations

import sqlite3

# Named, append-only migrations. Each runs in one transaction with its record in _migrations.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "001_initial",
        """
        CREATE TABLE sessions (
            id          TEXT PRIMARY KEY,
            kind        TEXT NOT NULL CHECK (kind IN ('reflection', 'group')),
            title       TEXT NOT NULL DEFAULT '',
            flow        TEXT NOT NULL DEFAULT '',
            strand      TEXT NOT NULL DEFAULT '',
            stage       TEXT NOT NULL DEFAULT '',
            status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'finished')),
            created_at  TEXT NOT NULL,
            updated_at  TEXT NOT NULL,
            finished_at TEXT,
            state_json  TEXT NOT NULL DEFAULT '{}',
            meta_json   TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX sessions_created ON sessions (created_at);

        CREATE TABLE turns (
            id         INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            seq        INTEGER NOT NULL,
            role       TEXT NOT NULL CHECK (role IN
                           ('assistant', 'practitioner', 'participant', 'facilitator', 'system')),
            kind       TEXT NOT NULL DEFAULT 'answer',
            step       TEXT,
            speaker    TEXT,
            text       TEXT NOT NULL,
            created_at TEXT NOT NULL,
            edited_at  TEXT,
            UNIQUE (session_id, seq)
        );

        CREATE TABLE pins (
            session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            case_id    TEXT NOT NULL,
            title      TEXT NOT NULL DEFAULT '',
            snippet    TEXT NOT NULL DEFAULT '',
            reason     TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            PRIMARY KEY (session_id, case_id)
        );

        CREATE TABLE actions (
            id                  INTEGER PRIMARY KEY,
            session_id          TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            text                TEXT NOT NULL,
            owner               TEXT,
            due                 TEXT,
            status              TEXT NOT NULL DEFAULT 'open'
                                CHECK (status IN ('open', 'done', 'carried', 'dropped')),
            created_at          TEXT NOT NULL,
            followup            TEXT,
            followup_session_id TEXT REFERENCES sessions (id) ON DELETE SET NULL,
            resolved_at         TEXT
        );
        CREATE INDEX actions_session ON actions (session_id);
        CREATE INDEX actions_status ON actions (status, created_at);
        CREATE INDEX actions_followup ON actions (followup_session_id);

        CREATE TABLE coverage (
            session_id     TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            expectation_id TEXT NOT NULL,
            turn_id        INTEGER REFERENCES turns (id) ON DELETE CASCADE,
            created_at     TEXT NOT NULL,
            PRIMARY KEY (session_id, expectation_id)
        );
        CREATE INDEX coverage_turn ON coverage (turn_id);
        """,
    ),
    (
        "002_turns_fts",
        """
        CREATE VIRTUAL TABLE turns_fts USING fts5 (
            text,
            content = 'turns',
            content_rowid = 'id',
            tokenize = 'porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER turns_fts_insert AFTER INSERT ON turns BEGIN
            INSERT INTO turns_fts (rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER turns_fts_delete AFTER DELETE ON turns BEGIN
            INSERT INTO turns_fts (turns_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        CREATE TRIGGER turns_fts_update AFTER UPDATE OF text ON turns BEGIN
            INSERT INTO turns_fts (turns_fts, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO turns_fts (rowid, text) VALUES (new.id, new.text);
        END;
        INSERT INTO turns_fts (turns_fts) VALUES ('rebuild');
        """,
    ),
    (
        # A turn's seq is never reused, even after the last turn is deleted: the session keeps
        # the highest seq it ever gave out.
        "003_turn_seq_counter",
        """
        ALTER TABLE sessions ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
        UPDATE sessions SET last_seq =
            (SELECT COALESCE(MAX(seq), 0) FROM turns WHERE turns.session_id = sessions.id);
        """,
    ),
    (
        "004_coverage_evidence",
        """
        ALTER TABLE coverage ADD COLUMN sentence TEXT NOT NULL DEFAULT '';
        ALTER TABLE coverage ADD COLUMN score REAL;
        ALTER TABLE coverage ADD COLUMN state TEXT NOT NULL DEFAULT 'suggested'
            CHECK (state IN ('suggested', 'confirmed', 'cleared'));
        """,
    ),
    (
        # What is typed in a reflection's answer box and not yet sent: one draft per session,
        # gone with its session.
        "005_drafts",
        """
        CREATE TABLE drafts (
            session_id TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
            text       TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        """,
    ),
    (
        # Every action has an owner. A reflection's actions were saved without one: they are the
        # practitioner's, 'me' until reflect has a setting for their name (reflection/followups.py).
        # A group action always had one (initials, or 'team' when agreed without a prefix).
        "006_action_owners",
        """
        UPDATE actions SET owner = 'me'
         WHERE (owner IS NULL OR trim(owner) = '')
           AND session_id IN (SELECT id FROM sessions WHERE kind = 'reflection');
        UPDATE actions SET owner = 'team'
         WHERE (owner IS NULL OR trim(owner) = '')
           AND session_id IN (SELECT id FROM sessions WHERE kind = 'group');
        """,
    ),
    (
        # The person's own settings (their name, copied into each new reflection): one value
        # per key, kept with the sessions so a read-only data folder refuses them the same way.
        "007_settings",
        """
        CREATE TABLE settings (
            key        TEXT PRIMARY KEY,
            value      TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        """,
    ),
]



def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (trigger bodies included) with SQLite's own parser."""
    statements, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements
