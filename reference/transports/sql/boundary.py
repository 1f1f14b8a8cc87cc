"""The SQL transport's one error boundary: whatever a driver raises while reading becomes named
findings and a status, the same for SQLite, PostgreSQL and MariaDB.

Status (the ``sql`` verdict table, ``reference/exchanges/verdicts.py``): ``0`` the statement
ran; ``1`` the database answered with an error (no such view or column, bad SQL, permission);
``None`` no answer (unreachable, timed out) — the exchange cannot be judged.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from reference.rules import RULES, Finding

logger = logging.getLogger("imgcloud.sql")

RAN, REFUSED = 0, 1
#: driver error codes (PostgreSQL SQLSTATE, MariaDB/MySQL errno) and SQLite messages per kind
TIMEOUT_CODES = frozenset({"57014", 1969, 3024, 2013})
MISSING_CODES = frozenset({"42P01", "42703", 1146, 1054})
UNREACHABLE_CODES = frozenset({"08001", "08006", 2003, 2005, 2006, 1045, 1049, "28P01", "3D000"})


@dataclass(frozen=True)
class Failure:
    status: int | None
    findings: list[Finding]


def _code(exc: DBAPIError) -> str | int | None:
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate:
        return str(sqlstate)
    args = getattr(orig, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def _detail(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0][:300]


def failure(exc: BaseException, *, url: str, what: str, timeout: float) -> Failure:
    """What ``exc``, raised while reading ``what`` at ``url`` (masked), means."""
    detail = _detail(exc)
    if isinstance(exc, (ArgumentError, NoSuchModuleError)):
        return Failure(None, [RULES.finding("SQL-URL", url=url, detail=detail)])
    if isinstance(exc, FileNotFoundError):  # an SQLite file that is not there
        return Failure(None, [RULES.finding("SQL-UNREACHABLE", url=url, detail=detail)])
    if isinstance(exc, DBAPIError):
        code, lowered = _code(exc), detail.lower()
        if code in TIMEOUT_CODES or "interrupted" in lowered or "timed out" in lowered or "timeout" in lowered:
            return Failure(None, [RULES.finding("SQL-TIMEOUT", url=url, what=what, timeout=timeout, detail=detail)])
        if code in MISSING_CODES or "no such table" in lowered or "no such column" in lowered:
            return Failure(REFUSED, [RULES.finding("SQL-NO-OBJECT", url=url, what=what, detail=detail)])
        if code in UNREACHABLE_CODES or exc.connection_invalidated or "unable to open" in lowered \
                or "connection" in lowered or "can't connect" in lowered:
            return Failure(None, [RULES.finding("SQL-UNREACHABLE", url=url, detail=detail)])
        return Failure(REFUSED, [RULES.finding("SQL-ERROR", url=url, what=what, detail=detail)])
    if isinstance(exc, SQLAlchemyError):
        return Failure(REFUSED, [RULES.finding("SQL-ERROR", url=url, what=what, detail=detail)])
    logger.exception("unexpected error reading %s at %s", what, url, exc_info=exc)
    return Failure(None, [RULES.finding("SANDBOX-INTERNAL", error=type(exc).__name__)])
