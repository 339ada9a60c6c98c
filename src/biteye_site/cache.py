"""Persistent build cache: one SQLite file under .biteye-cache/.

Two tables:
- ``documents``: parsed Documents (and their warnings), keyed by a hash of the
  source bytes, its path, the parse-relevant config and the generator version.
- ``pages``: for the current output folder, each file's fingerprint (a hash of
  everything the page was made from) and the size/mtime it was written with.
  A page whose fingerprint and file are unchanged is not rendered again.

SQLite gives atomic commits, so a build killed half-way leaves the previous
cache; a file that is corrupt or from another version is discarded and rebuilt.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
import sqlite3
import threading
from contextlib import closing
from importlib import metadata
from pathlib import Path

from biteye_site import __version__

SCHEMA = 3
FILE_NAME = "build.sqlite"


_OUTPUT_LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "jinja2", "markupsafe", "babel", "pyyaml", "python-slugify",
                     "text-unidecode")


def stamp() -> str:
    """Changes whenever cached data could mean something else: version, schema, code."""
    h = hashlib.sha256(f"{__version__}|{SCHEMA}".encode())
    # The libraries whose output is cached: a new markdown-it-py may render the same text
    # differently, a new Babel spell a date differently.
    for name in _OUTPUT_LIBRARIES:
        try:
            h.update(f"|{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"|{name}=?".encode())
    # Source files of the generator: an edited checkout must not trust old entries.
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _signature(path: Path) -> str | None:
    """The database file's size, time and inode, when it stands alone: a write-ahead log
    beside it holds writes not yet in the file (the last connection was not closed)."""
    try:
        wal = Path(str(path) + "-wal")
        if wal.exists() and wal.stat().st_size:
            return None
        st = path.stat()
    except OSError:
        return None
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ino}"


def _seal(path: Path) -> None:
    """Note, beside the database, the file as this build closed it. Any later write, a
    crash mid-write included, changes it, and the next open checks it whole again."""
    signature = _signature(path)
    if signature is not None:
        try:
            Path(str(path) + ".sealed").write_text(signature, encoding="ascii")
        except OSError:
            pass  # only costs the next build a check


def _sealed(path: Path) -> bool:
    """Whether the database is as the last clean close left it; the seal is used up."""
    seal = Path(str(path) + ".sealed")
    try:
        noted = seal.read_text(encoding="ascii")
        seal.unlink()
    except (OSError, ValueError):
        return False
    return noted == _signature(path)


# A parsed document is about 11 kB: on 4 KiB pages, a chain of overflow pages, each
# written to the WAL and then to the database. Storing 10,000 documents took 0.77-0.99
# CPU-seconds on 4 KiB pages and 0.31-0.34 on 64 KiB; reading them all back 0.10 and
# 0.04 s; the file is as large (123 MB, 119 on 4 KiB pages).
PAGE_SIZE = 65536


def _large_pages(db: sqlite3.Connection) -> None:
    """Give an emptied cache file (another version's) PAGE_SIZE pages, which SQLite only
    changes by rewriting the file out of WAL mode. The file stays locked from leaving WAL
    mode to returning to it, so no other connection finds it half converted. One that
    has it open at that moment (a preview server's rebuild) prevents the change: the
    file keeps its pages, and works as well, until the next version empties it again."""
    if db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE:
        return
    db.execute("PRAGMA locking_mode=EXCLUSIVE")  # from the next lock taken until NORMAL below
    try:
        if db.execute("PRAGMA journal_mode=DELETE").fetchone()[0].lower() == "delete":
            db.execute(f"PRAGMA page_size={PAGE_SIZE}")
            db.execute("VACUUM")
    except sqlite3.OperationalError:
        pass
    finally:
        db.execute("PRAGMA locking_mode=NORMAL")
        db.execute("PRAGMA journal_mode=WAL")  # (the lock goes with this statement)


def _busy(exc: sqlite3.Error) -> bool:
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _off_on_failure(method):
    """An unusable cache only costs time: when SQLite fails (another build holds the lock
    past the timeout, the disk is full or read-only, a page of the file is damaged), the
    cache is off for the rest of the build and the method answers as a disabled cache
    does. A cache turned off is not sealed at the end (see close()), so the next build
    checks the whole file, and starts a new one if it is damaged."""
    @functools.wraps(method)
    def wrapper(self: "BuildCache", *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError:  # OperationalError is one too
            self._off()
            return method(self, *args, **kwargs)
    return wrapper


class BuildCache:
    """Open with ``BuildCache.open(folder)``; ``None`` folder gives a cache that stores nothing."""

    def __init__(self, db: sqlite3.Connection | None, stamp_value: str, folder: Path | None = None):
        self._db = db
        self._writer: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._deferred: tuple[dict[str, bytes], set[str]] | None = None
        self.stamp = stamp_value
        self.folder = folder  # None: the cache is off
        self.hits = 0
        self.misses = 0

    @classmethod
    def disabled(cls) -> "BuildCache":
        return cls(None, "")

    @classmethod
    def open(cls, folder: Path) -> "BuildCache":
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / FILE_NAME
        value = stamp()
        checked = _sealed(path)
        for attempt in range(2):
            try:
                # put_documents(background=True) writes from another thread; wait() joins it first.
                db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
                # WAL: a build that reads the cache (the preview server, a second terminal) never
                # waits for one that writes. A rollback journal would write a cold build's 100 MB
                # of documents once instead of twice (0.25 s at 10,000 articles), but readers
                # would then wait for every commit, and time out under a long one.
                db.execute(f"PRAGMA page_size={PAGE_SIZE}")  # a new file (see _large_pages)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB)")
                row = db.execute("SELECT value FROM meta WHERE key='stamp'").fetchone()
                if row is None or row[0] != value:
                    db.executescript("DROP TABLE IF EXISTS documents; DROP TABLE IF EXISTS pages; "
                                     "DROP TABLE IF EXISTS sources; DROP TABLE IF EXISTS cards; DROP TABLE meta; "
                                     "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB);")
                    _large_pages(db)
                db.execute("CREATE TABLE IF NOT EXISTS documents (key TEXT PRIMARY KEY, data BLOB)")
                db.execute("CREATE TABLE IF NOT EXISTS sources (path TEXT PRIMARY KEY, size INTEGER, "
                           "mtime_ns INTEGER, ino INTEGER, sha256 TEXT)")
                db.execute("CREATE TABLE IF NOT EXISTS cards (key TEXT PRIMARY KEY, html TEXT)")
                db.execute("CREATE TABLE IF NOT EXISTS pages (path TEXT PRIMARY KEY, fingerprint TEXT, "
                           "size INTEGER, mtime_ns INTEGER, ino INTEGER)")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('stamp', ?)", (value,))
                # A check of every page of the file (0.08 s at 10,000 articles), unless it is
                # exactly as the last build that closed it cleanly left it (see seal()).
                if not checked and db.execute("PRAGMA quick_check").fetchall() != [("ok",)]:
                    raise sqlite3.DatabaseError("quick_check found damage")
                return cls(db, value, folder)
            except sqlite3.DatabaseError as exc:
                if _busy(exc):
                    raise  # another build holds it: not damage (open_cache builds without it)
                # Corrupt or not a database: start again from nothing.
                # Its journal goes too: left beside a new database, SQLite would roll it back into it.
                with_suffixes = [path] + [path.with_name(path.name + suffix) for suffix in ("-journal", "-wal", "-shm")]
                for p in with_suffixes:
                    try:
                        p.unlink()
                    except FileNotFoundError:
                        pass
                checked = False
                if attempt:
                    raise
        raise AssertionError("unreachable")

    @property
    def db(self) -> sqlite3.Connection | None:
        """The connection, once any background write has finished (its errors are wait()'s)
        and any deferred one is done."""
        self._join()
        if self._deferred is not None and self._db is not None:
            items, keep = self._deferred
            self._deferred = None
            try:
                self._put_documents(self._db, items, keep)
            except sqlite3.DatabaseError:
                self._off()  # as any SQLite failure: off for the build, never its error
        return self._db

    def _join(self) -> None:
        if self._writer is not None:
            self._writer.join()
            self._writer = None
        if isinstance(self._failure, sqlite3.Error):
            # An unusable cache only costs time: off for the rest of the build; the next
            # build opens it again (or starts a new one).
            self._failure = None
            self._off()

    def _off(self) -> None:
        """Off for the rest of this build; closing rolls back any transaction left open."""
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None

    def wait(self) -> None:
        """Let a background write finish; an error other than SQLite's is raised here."""
        self._join()
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def templates_folder(self) -> Path | None:
        """Where Jinja keeps compiled templates: a folder per generator version (compiled code
        also depends on the environment's options and filters, which Jinja does not key on).
        Folders of other versions are removed. None when the cache is off or unusable."""
        if self.folder is None or self._db is None:
            return None
        name = f"jinja-{self.stamp[:16]}"
        try:
            for old in self.folder.glob("jinja*"):
                if old.name != name and old.is_dir():
                    shutil.rmtree(old, ignore_errors=True)
            (self.folder / name).mkdir(exist_ok=True)
        except OSError:
            return None
        return self.folder / name

    @_off_on_failure
    def close(self) -> None:
        if self.db is not None:
            self._db.close()  # type: ignore[union-attr]
            self._db = None
            if self.folder is not None:
                _seal(self.folder / FILE_NAME)

    # -- parsed documents ----------------------------------------------------------
    @_off_on_failure
    def get_documents(self, keys: list[str]) -> dict[str, object]:
        if self.db is None or not keys:
            return {}
        found: dict[str, object] = {}
        wanted = list(keys)
        for i in range(0, len(wanted), 900):  # SQLite's host-parameter limit
            chunk = wanted[i:i + 900]
            marks = ",".join("?" * len(chunk))
            for key, data in self.db.execute(f"SELECT key, data FROM documents WHERE key IN ({marks})", chunk):
                try:
                    found[key] = pickle.loads(data)
                except Exception:  # noqa: BLE001 - a bad entry is a miss, never trusted
                    continue
        self.hits += len(found)
        self.misses += len(set(keys)) - len(found)
        return found

    @_off_on_failure
    def put_documents(self, items: dict[str, bytes], keep: set[str], background: bool = False) -> None:
        """Store new entries (already pickled) and drop those no source uses any more.

        ``background``: in a thread, while the caller goes on; ``wait()`` (or any other use
        of the cache) joins it."""
        db = self.db
        if db is None:
            return
        if background:
            def write() -> None:
                try:
                    self._put_documents(db, items, keep)
                except BaseException as exc:  # noqa: BLE001 - handed to wait()
                    self._failure = exc
            self._writer = threading.Thread(target=write, name="biteye-cache")
            self._writer.start()
        else:
            self._put_documents(db, items, keep)

    def defer_documents(self, items: dict[str, bytes], keep: set[str]) -> None:
        """put_documents() later: in the background from store_deferred(), or before any
        other use of the cache (closing it included), whichever comes first."""
        self._deferred = (items, keep)

    def store_deferred(self) -> None:
        """Start the deferred put_documents() in a thread (never while a fork may come)."""
        if self._deferred is not None:
            items, keep = self._deferred
            self._deferred = None
            self.put_documents(items, keep, background=True)

    @staticmethod
    def _put_documents(db: sqlite3.Connection, items: dict[str, bytes], keep: set[str]) -> None:
        with closing(db.cursor()) as cur:
            cur.execute("BEGIN")
            cur.executemany("INSERT OR REPLACE INTO documents VALUES (?, ?)", list(items.items()))
            stale = [k for (k,) in cur.execute("SELECT key FROM documents") if k not in keep]
            cur.executemany("DELETE FROM documents WHERE key = ?", [(k,) for k in stale])
            cur.execute("COMMIT")

    # -- content files already hashed ------------------------------------------------
    @_off_on_failure
    def get_known(self) -> dict[str, tuple[tuple[int, int, int], str]]:
        if self.db is None:
            return {}
        return {path: ((size, mtime, ino), sha) for path, size, mtime, ino, sha in self.db.execute("SELECT * FROM sources")}

    @_off_on_failure
    def put_known(self, sources, known: dict[str, tuple[tuple[int, int, int], str]]) -> None:
        """Record each content file's signature and hash; only rows that changed are written."""
        if self.db is None:
            return
        rows = [(str(s.path), *s.signature, s.sha256) for s in sources
                if len(s.signature) == 3 and known.get(str(s.path)) != (s.signature, s.sha256)]
        gone = set(known) - {str(s.path) for s in sources}
        if not rows and not gone:
            return
        with closing(self.db.cursor()) as cur:
            cur.execute("BEGIN")
            cur.executemany("DELETE FROM sources WHERE path = ?", [(p,) for p in gone])
            cur.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?)", rows)
            cur.execute("COMMIT")

    # -- small values: the last build's manifest and report ---------------------------
    @_off_on_failure
    def get_meta(self, key: str) -> object | None:
        if self.db is None:
            return None
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return pickle.loads(row[0])
        except Exception:  # noqa: BLE001 - unreadable: as if absent
            return None

    @_off_on_failure
    def put_meta(self, key: str, value: object) -> None:
        if self.db is not None:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                            (key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))

    # -- articles' entries in lists ('cards'), as rendered by earlier builds ---------------
    @_off_on_failure
    def get_cards(self, theme: str) -> dict[str, str]:
        """key → HTML of the cards stored under ``theme`` (see render.CardStore); none if it changed."""
        if self.db is None or self.get_meta("cards_theme") != theme:
            return {}
        return dict(self.db.execute("SELECT key, html FROM cards"))

    @_off_on_failure
    def put_cards(self, theme: str, new: dict[str, str], digests: set[str]) -> None:
        """Store ``new`` cards, and keep only those of the articles as they are now (``digests``)
        and of this ``theme``: the table holds one build's worth of cards."""
        if self.db is None:
            return
        same_theme = self.get_meta("cards_theme") == theme
        with closing(self.db.cursor()) as cur:
            cur.execute("BEGIN")
            if not same_theme:
                cur.execute("DELETE FROM cards")
            cur.executemany("INSERT OR REPLACE INTO cards VALUES (?, ?)", list(new.items()))
            stale = [(k,) for (k,) in cur.execute("SELECT key FROM cards") if k.split("|", 1)[0] not in digests]
            cur.executemany("DELETE FROM cards WHERE key = ?", stale)
            cur.execute("INSERT OR REPLACE INTO meta VALUES ('cards_theme', ?)",
                        (pickle.dumps(theme, protocol=pickle.HIGHEST_PROTOCOL),))
            cur.execute("COMMIT")

    # -- pages of the output folder ---------------------------------------------------
    @_off_on_failure
    def get_pages(self, output: Path) -> dict[str, tuple[str, int, int, int]]:
        if self.db is None:
            return {}
        row = self.db.execute("SELECT value FROM meta WHERE key='output'").fetchone()
        if row is None or row[0] != str(output):
            return {}
        return {path: (fp, size, mtime, ino) for path, fp, size, mtime, ino in self.db.execute("SELECT * FROM pages")}

    @_off_on_failure
    def put_pages(self, output: Path, fingerprints: dict[str, str], intact: dict[str, str] | None = None) -> None:
        """Record what is now in ``output`` (after the write) and why.

        ``intact``: files that were, before this build, exactly as recorded (path → fingerprint);
        those whose fingerprint did not change were not touched, so their rows stay as they are.
        """
        if self.db is None:
            return
        intact = intact or {}
        rows = []
        for rel, fp in fingerprints.items():
            if intact.get(rel) == fp:
                continue
            try:
                st = os.stat(output / rel)
            except OSError:
                continue
            rows.append((rel, fp, st.st_size, st.st_mtime_ns, st.st_ino))
        with closing(self.db.cursor()) as cur:
            cur.execute("BEGIN")
            if intact:
                gone = [(rel,) for (rel,) in cur.execute("SELECT path FROM pages") if rel not in fingerprints]
                cur.executemany("DELETE FROM pages WHERE path = ?", gone)
                cur.executemany("DELETE FROM pages WHERE path = ?",
                                [(rel,) for rel in fingerprints if rel not in intact])
            else:
                cur.execute("DELETE FROM pages")
            cur.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?)", rows)
            cur.execute("INSERT OR REPLACE INTO meta VALUES ('output', ?)", (str(output),))
            cur.execute("COMMIT")
