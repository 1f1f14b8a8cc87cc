"""Why the database cannot be used at start, in one or two lines saying what to do (issue 14):
``imgcloud serve`` answers a bad ``storage.url`` or an unreachable server with this, never
with a traceback.  The URL is shown with its password hidden."""
from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from .db import is_busy

#: Dialect names users write that SQLAlchemy does not know, and what to write instead.
_SPELLINGS = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg", "pg": "postgresql+psycopg",
              "mariadb": "mysql", "sqlite3": "sqlite"}
#: Python modules of database drivers and the packages that install them.
_PACKAGES = {"MySQLdb": "mysqlclient", "pymysql": "PyMySQL", "psycopg2": "psycopg2-binary", "mariadb": "mariadb"}
_EXAMPLES = ("sqlite:////path/to/sandbox.db, postgresql+psycopg://user@host:5432/db "
             "or mysql+pymysql://user@host:3306/db")


def shown(url: str) -> str:
    """``url`` with its password hidden (or as given when it does not parse)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first[:200]


def storage_problem(exc: BaseException, url: str) -> str | None:
    """One or two lines explaining why ``url`` cannot be opened, or None when ``exc`` is not a
    storage problem of the configuration or the server (a bug: let it surface)."""
    where = shown(url)
    scheme = _scheme(url)
    if isinstance(exc, ArgumentError) and "://" not in url:
        return (f"storage.url {where!r} is not a database URL.\n"
                f"  Write one like {_EXAMPLES}.")
    if isinstance(exc, NoSuchModuleError | ArgumentError):
        better = _SPELLINGS.get(scheme.split("+")[0])
        hint = f"write {where.replace(scheme, better, 1)}" if better and scheme else f"write one like {_EXAMPLES}"
        return f"storage.url {where!r}: SQLAlchemy has no database driver {scheme!r}.\n  {hint}."
    if is_busy(exc):
        return (f"the database {where} is busy: {_reason(exc)}.\n"
                "  Another process holds it (another imgcloud serve on this data home?): stop it, or try again.")
    if isinstance(exc, ModuleNotFoundError):
        package = _PACKAGES.get(exc.name or "", exc.name)
        hint = (f"write {where.replace(scheme, 'postgresql+psycopg', 1)} (psycopg is installed)"
                if scheme.startswith("postgres") else f"install it into the sandbox's environment: pip install {package}")
        return (f"storage.url {where!r} needs the Python module {exc.name!r}, which is not installed.\n"
                f"  {hint[0].upper()}{hint[1:]}.")
    if isinstance(exc, OSError) and not isinstance(exc, ConnectionError):
        return (f"cannot create the database {where}: {exc.strerror or exc}.\n"
                "  Check that the data home (IMGCLOUD_HOME or home: in the config) is a writable directory.")
    if isinstance(exc, OperationalError):
        reason = _reason(exc)
        if scheme.startswith("sqlite"):
            return (f"cannot open the SQLite database {where}: {reason}.\n"
                    "  Check that the data home (IMGCLOUD_HOME or home: in the config) is a writable directory.")
        return (f"cannot connect to the database {where}: {reason}.\n"
                "  Is the server running and the URL right (storage.url in your --config)? Or remove storage.url "
                "to use SQLite in the data home.")
    if isinstance(exc, SQLAlchemyError):
        return f"the database {where} cannot be used: {_reason(exc)}.\n  Check storage.url in your --config."
    text = str(exc)
    if type(exc).__name__ == "CommandError" and "revision" in text.lower():
        return (f"the database {where} was migrated by another version of imgcloud-sandbox ({text}).\n"
                "  Use that version, or start on a fresh data home (IMGCLOUD_HOME) or database.")
    return None
