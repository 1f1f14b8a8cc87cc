"""getToken and the X-Token check (seeds/003 权限鉴定接口 ①–④; INTERFACES.md §3).

- a token is valid 7200 s;
- at most 30 tokens per uid per China-local day (the 31st: 11004);
- a wrong uid/secret: 11001; the 6th wrong in a row locks the uid for 10 minutes (11003);
- state is in the database (``province_tokens``, ``province_auth``), so it survives a
  restart and every worker agrees; times come from the sandbox's (injectable) clock;
- concurrent calls for one uid are serialised on its ``province_auth`` row, so the limits hold
  exactly under load, on SQLite and PostgreSQL, with any number of workers;
- the 11004 a load test hits once the 30 are issued is answered from memory (``spent_known``) while
  no call of any worker has written since it was read (``reference.storage.generation``); so is the
  uid and expiry of an ``X-Token`` (``holder``): a token never changes once issued, and only a
  tenant's reset, which bumps the same generation, removes one.
"""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reference.rules import RULES, Finding
from reference.sandbox import Sandbox
from reference.storage.db import insert_ignore
from reference.storage.generation import Generation
from reference.storage.models import ProvinceAuth, ProvinceToken

VALIDITY = timedelta(seconds=7200)
DAILY_LIMIT = 30
LOCK_AFTER = 6
LOCK_FOR = timedelta(minutes=10)
CALLER_KINDS = ("hospital", "city_platform")


def _secret_ok(sandbox: Sandbox, uid: str, secret: str) -> bool:
    inst = sandbox.config.institution(uid)
    if inst is None or inst.kind not in CALLER_KINDS:
        return False
    return hmac.compare_digest(sandbox.config.secret_for(inst).encode(), secret.encode())


def _issued_on(session: Session, uid: str, day: datetime) -> int:
    return session.scalar(select(func.count()).select_from(ProvinceToken).where(
        ProvinceToken.uid == uid, ProvinceToken.issued_at >= day, ProvinceToken.issued_at < day + timedelta(days=1))) or 0


def _spent(sandbox: Sandbox, uid: str, secret: str, day: datetime) -> list[Finding] | None:
    """11004 read without the writer lock, when that answer changes nothing: the uid is not locked,
    has no wrong secret to forget, this secret is right and today's 30 tokens are issued (a count that
    only grows today).  The answer is the serial one: it is as if this call ran before any concurrent
    one.  ``None``: take the serialised path (a load test hammering one uid ends here, lock-free)."""
    with sandbox.db.reading() as session:
        auth = session.get(ProvinceAuth, uid)
        if auth is None or auth.failures or auth.locked_until is not None or not _secret_ok(sandbox, uid, secret):
            return None
        if _issued_on(session, uid, day) < DAILY_LIMIT:
            return None
    return [RULES.finding("PCLOUD-AUTH-DAILY-LIMIT", uid=uid, day=f"{day:%Y-%m-%d}")]


class _SpentCache:
    """This process's (uid, day) pairs read as spent, and tokens read as issued, each with the
    generation it was read at: the answer holds while no worker has written ``province_auth`` /
    ``province_tokens`` since (every serialised call bumps the generation after its commit, and so
    does a tenant's reset; an answer is stored with the generation read before the database read,
    so a write racing with it invalidates it)."""

    #: Tokens ``holder`` keeps at most (only issued ones: at most 30 a day per uid).
    HOLDERS = 4096

    def __init__(self, home: Path) -> None:
        self.generation = Generation(home / "generations" / "province-auth")
        #: (uid, day) -> (generation, the uid's secret: comparing it costs no HMAC derivation)
        self.spent: dict[tuple[str, datetime], tuple[int, str]] = {}
        #: token -> (generation, its uid, when it expires)
        self.holders: dict[str, tuple[int, str, datetime]] = {}

    def close(self) -> None:  # by ``Sandbox.close``
        self.generation.close()


def _cache(sandbox: Sandbox) -> _SpentCache:
    return sandbox.shared("province_cloud.tokens.spent", lambda: _SpentCache(sandbox.config.home))


def _today(sandbox: Sandbox) -> tuple[datetime, datetime]:
    now = sandbox.now()
    return now, datetime(now.year, now.month, now.day)


def forget_spent(sandbox: Sandbox) -> None:
    """Tokens or locks were removed (a tenant's reset), after its commit: every process's spent
    answers are read again."""
    _cache(sandbox).generation.bump()


def spent_known(sandbox: Sandbox, uid: str, secret: str) -> list[Finding] | None:
    """11004 without any database read, when this process read that answer and nothing was written
    since (and the secret is right); ``None``: ask ``issue``.  No blocking call: for the event loop."""
    _, day = _today(sandbox)
    cache = _cache(sandbox)
    known = cache.spent.get((uid, day))
    if known is None or known[0] != cache.generation.read() or not isinstance(secret, str) \
            or not hmac.compare_digest(known[1].encode(), secret.encode()):
        return None
    return [RULES.finding("PCLOUD-AUTH-DAILY-LIMIT", uid=uid, day=f"{day:%Y-%m-%d}")]


def issue(sandbox: Sandbox, uid: str, secret: str, validity: timedelta = VALIDITY) -> tuple[str | None, list[Finding]]:
    """A new token for ``uid`` (valid ``validity``: shorter only when a fault says so), or the
    finding that refuses it."""
    now, day = _today(sandbox)
    cache = _cache(sandbox)
    generation = cache.generation.read()
    spent = _spent(sandbox, uid, secret, day)
    if spent is not None:  # (the secret is right: ``_spent`` checked it)
        cache.spent[(uid, day)] = (generation, secret)
        return None, spent
    try:
        return _serialised(sandbox, uid, secret, now, day, validity)
    finally:  # after the commit: every process's spent answers are read again
        cache.generation.bump()


def _serialised(sandbox: Sandbox, uid: str, secret: str, now: datetime, day: datetime,
                validity: timedelta) -> tuple[str | None, list[Finding]]:
    with sandbox.db.session() as session:
        # the uid's row exists before it is locked: concurrent first calls do not collide on it, and
        # every call for the uid then waits its turn on the row (PostgreSQL: FOR UPDATE; SQLite: the
        # unit of work is an IMMEDIATE transaction), so the daily limit and the lock count exactly
        insert_ignore(session, ProvinceAuth, {"uid": uid, "failures": 0, "locked_until": None})
        auth = session.get(ProvinceAuth, uid, with_for_update=True, populate_existing=True)
        assert auth is not None
        if auth.locked_until is not None:
            if now < auth.locked_until:
                return None, [RULES.finding("PCLOUD-AUTH-LOCKED", uid=uid, until=f"{auth.locked_until:%Y-%m-%d %H:%M:%S}")]
            auth.locked_until, auth.failures = None, 0
        if not _secret_ok(sandbox, uid, secret):
            auth.failures += 1
            if auth.failures >= LOCK_AFTER:
                auth.locked_until = now + LOCK_FOR
                return None, [RULES.finding("PCLOUD-AUTH-LOCKED", uid=uid, until=f"{auth.locked_until:%Y-%m-%d %H:%M:%S}")]
            return None, [RULES.finding("PCLOUD-AUTH-SECRET", uid=uid, failures=auth.failures)]
        auth.failures = 0
        if _issued_on(session, uid, day) >= DAILY_LIMIT:
            return None, [RULES.finding("PCLOUD-AUTH-DAILY-LIMIT", uid=uid, day=f"{day:%Y-%m-%d}")]
        token = secrets.token_urlsafe(32)
        session.add(ProvinceToken(token=token, uid=uid, issued_at=now, expires_at=now + validity))
        return token, []


def holder(sandbox: Sandbox, token: str | None) -> tuple[str | None, list[Finding]]:
    """The uid a live token was issued to, or the 403 finding.  An issued token is read from the
    database once per process while no worker has written tokens since (issue 12: a database session
    of every 003 call but getToken); an unknown one every time."""
    if not token:
        return None, [RULES.finding("PCLOUD-TOKEN-MISSING")]
    cache = _cache(sandbox)
    generation = cache.generation.read()
    known = cache.holders.get(token)
    if known is None or known[0] != generation:
        with sandbox.db.reading() as session:
            row = session.get(ProvinceToken, token)
            if row is None:
                return None, [RULES.finding("PCLOUD-TOKEN-UNKNOWN")]
            known = (generation, row.uid, row.expires_at)  # the generation read before the database
        if len(cache.holders) >= cache.HOLDERS:
            cache.holders.clear()
        cache.holders[token] = known
    _, uid, expires_at = known
    if sandbox.now() >= expires_at:
        return None, [RULES.finding("PCLOUD-TOKEN-EXPIRED", expired=f"{expires_at:%Y-%m-%d %H:%M:%S}")]
    return uid, []
