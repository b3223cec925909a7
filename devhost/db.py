"""The devhost's database: SQLite (a file, the default) or PostgreSQL, behind the host API's Database protocol.

SQL is written with named parameters ``:name`` for both dialects; this module translates them for psycopg.
Timestamps go in and come out as timezone-aware UTC datetimes on both.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
import threading
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

_NAMED_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def _adapt_datetime(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database; use timezone-aware UTC datetimes")
    return value.astimezone(dt.UTC).isoformat()


def _convert_timestamp(raw: bytes) -> dt.datetime:
    value = dt.datetime.fromisoformat(raw.decode())
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


sqlite3.register_adapter(dt.datetime, _adapt_datetime)
sqlite3.register_converter("TIMESTAMP", _convert_timestamp)
sqlite3.register_converter("BOOLEAN", lambda raw: raw not in (b"0", b""))


class _Result:
    def __init__(self, cursor: Any):
        self.rowcount = cursor.rowcount
        self._cursor = cursor
        self._has_rows = cursor.description is not None
        if self._has_rows:
            self._columns = [d[0] for d in cursor.description]

    def fetchone(self) -> dict[str, Any] | None:
        if not self._has_rows:
            return None
        row = self._cursor.fetchone()
        return None if row is None else self._as_dict(row)

    def fetchall(self) -> list[dict[str, Any]]:
        if not self._has_rows:
            return []
        return [self._as_dict(row) for row in self._cursor.fetchall()]

    def _as_dict(self, row: Any) -> dict[str, Any]:
        if isinstance(row, Mapping):
            return dict(row)
        return dict(zip(self._columns, row, strict=True))


class _Transaction:
    def __init__(self, cursor: Any, translate, *, sqlite: bool = False):
        self._cursor = cursor
        self._translate = translate
        self._sqlite = sqlite

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> _Result:
        # Datetimes are written in one form whatever their class: sqlite3 picks adapters by exact type, and a
        # subclass (freezegun's FakeDatetime in tests) would otherwise be stored as "2026-11-28 23:00" beside
        # "2026-11-28T23:00", which compare wrongly as text.
        values = {
            k: _adapt_datetime(v) if isinstance(v, dt.datetime) and self._sqlite else v
            for k, v in (params or {}).items()
        }
        self._cursor.execute(self._translate(sql), values)
        return _Result(self._cursor)


class Database:
    """One instance's database. ``url`` is ``sqlite:///path/to/file.db`` or ``postgresql://user:pw@host/db``.

    ``schema`` (PostgreSQL only) puts every table into that schema; the tests use it to give each test an empty
    database without creating databases.
    """

    def __init__(self, url: str, *, schema: str | None = None):
        self.url = url
        self.schema = schema
        scheme = urlsplit(url).scheme
        if scheme == "sqlite":
            self.dialect = "sqlite"
            self._path = url.removeprefix("sqlite:///") if url != "sqlite://" else ":memory:"
        elif scheme in ("postgresql", "postgres"):
            self.dialect = "postgresql"
        else:
            raise ValueError(f"unsupported database URL scheme {scheme!r}; use sqlite:/// or postgresql://")
        self._local = threading.local()
        self._all_connections: list[Any] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Database({self.dialect}, schema={self.schema!r})"

    # -- connections: one per thread, reused ------------------------------------------------------------------------

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._all_connections.append(conn)
            # A threaded web server starts a thread per request: its connection goes with it, or a long-running host
            # would keep thousands open (and PostgreSQL refuses new clients past max_connections).
            weakref.finalize(threading.current_thread(), self._release, conn)
        return conn

    def _release(self, conn: Any) -> None:
        with self._lock:
            if conn in self._all_connections:
                self._all_connections.remove(conn)
        try:
            conn.close()
        except Exception:  # noqa: S110 - closing is best effort; a broken connection is gone anyway
            pass

    def _connect(self) -> Any:
        if self.dialect == "sqlite":
            conn = sqlite3.connect(
                self._path,
                detect_types=sqlite3.PARSE_DECLTYPES,
                isolation_level=None,
                check_same_thread=False,
                timeout=30,
            )
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            return conn
        import psycopg
        from psycopg.rows import dict_row

        options = "-c timezone=UTC"
        if self.schema:
            options += f" -c search_path={self.schema}"
        return psycopg.connect(
            self.url, row_factory=dict_row, options=options, connect_timeout=10, application_name=self.application_name
        )

    @property
    def application_name(self) -> str:
        """What PostgreSQL shows for this instance's connections (pg_stat_activity): the devhost and its schema."""
        return f"cmx-devhost {self.schema or 'public'}"

    def close(self) -> None:
        """Close every connection this object opened (in any thread)."""
        with self._lock:
            for conn in self._all_connections:
                try:
                    conn.close()
                except Exception:  # noqa: S110 - closing is best effort; a broken connection is gone anyway
                    pass
            self._all_connections.clear()
        self._local = threading.local()

    # -- the host API -----------------------------------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, lock: bool = False) -> Iterator[_Transaction]:
        conn = self._connection()
        if self.dialect == "sqlite":
            cursor = conn.cursor()
            cursor.execute("BEGIN IMMEDIATE" if lock else "BEGIN")
            try:
                yield _Transaction(cursor, lambda sql: sql, sqlite=True)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        else:
            import psycopg

            if conn.closed or conn.broken:
                self._local.conn = None
                conn = self._connection()
            with contextlib.ExitStack() as stack:
                try:
                    stack.enter_context(conn.transaction())
                except psycopg.OperationalError:
                    # The server restarted since this connection was last used (BEGIN is the first thing to fail):
                    # nothing of this transaction ran yet, so a new connection may take it over.
                    self._local.conn = None
                    conn = self._connection()
                    stack.enter_context(conn.transaction())
                cursor = stack.enter_context(conn.cursor())
                yield _Transaction(cursor, _to_pyformat)

    def execute_script(self, tx: _Transaction, script: str) -> None:
        """Run the statements of an SQL script inside ``tx`` (used for migrations and the host schema)."""
        for statement in split_statements(script):
            tx._cursor.execute(statement)

    @property
    def is_empty(self) -> bool:
        """True when the host's own tables do not exist yet."""
        with self.transaction() as tx:
            if self.dialect == "sqlite":
                row = tx.execute("SELECT count(*) AS n FROM sqlite_master WHERE name = 'users'").fetchone()
            else:
                row = tx.execute(
                    "SELECT count(*) AS n FROM information_schema.tables "
                    "WHERE table_schema = current_schema() AND table_name = 'users'"
                ).fetchone()
        return row["n"] == 0


def _to_pyformat(sql: str) -> str:
    return _NAMED_PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))


def split_statements(script: str) -> list[str]:
    """Split an SQL script into statements at semicolons that end a complete statement (not inside strings)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if _strip_comments(current):
                statements.append(current.strip())
            current = ""
    if _strip_comments(current):
        statements.append(current.strip())
    return statements


def _strip_comments(sql: str) -> str:
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines()).strip().strip(";").strip()
