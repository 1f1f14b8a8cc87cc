"""Where the seed documents (the interface specs the sandbox is checked against) are: the one lookup.

The seeds are not in this repository: they sit in ``<repo>/../shared/seeds``, or wherever
``$IMGCLOUD_SEEDS`` points.  Every test that reads them goes through this module, so that a clone
without them skips those tests with one clear reason (instead of erroring at collection), while CI
(``CI=true``), which must check the spec against the seeds, fails instead of quietly skipping.

A seed is named by its number (``"003"``, the file ``003_*.txt``) or by its file name.

- In a test or fixture: ``seed_path`` / ``seed_text`` / ``require_seeds`` skip it (fail it in CI)
  when a seed is missing.
- On a test, class, module (``pytestmark``) or ``pytest.param``: ``needs_seeds(...)``, enforced
  before the test's fixtures are set up by this module's hooks (tests/conftest.py registers it as a
  plugin; elsewhere, ``-p tests.seeds``).
- At import/collection time: ``find_seed`` / ``seeds_dir`` return None and never skip;
  ``seed_params`` parametrizes from a seed's contents with a placeholder when it is missing.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn

import pytest

ENV = "IMGCLOUD_SEEDS"
REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "seeds"
MARKER = "seeds"
MARKER_HELP = (f"{MARKER}(*names): the test reads these seed documents (tests/seeds.py); "
               "skipped without them, failed when CI is set")
_TRUE = {"1", "true", "yes", "on"}


def in_ci() -> bool:
    """CI must run the seed tests: there a missing seed fails rather than skips."""
    return os.environ.get("CI", "").strip().lower() in _TRUE


def looked_in() -> Path:
    """The directory searched: ``$IMGCLOUD_SEEDS`` if set and non-empty, else ``<repo>/../shared/seeds``."""
    env = os.environ.get(ENV, "").strip()
    return Path(env).expanduser() if env else DEFAULT


def seeds_dir() -> Path | None:
    """The seed directory, or None when it does not exist (never skips: safe at import time)."""
    where = looked_in()
    return where if where.is_dir() else None


def _pattern(name: str) -> str:
    return name if name.endswith(".txt") else f"{name}_*.txt"


def find_seed(name: str) -> Path | None:
    """The seed's file, or None (never skips: for optional use and import-time code)."""
    where = seeds_dir()
    if where is None:
        return None
    found = sorted(p for p in where.glob(_pattern(name)) if p.is_file())
    if len(found) > 1:  # two versions of one seed: which one the spec follows is not ours to guess
        raise LookupError(f"seed {name!r} is ambiguous in {where}: {', '.join(p.name for p in found)}")
    return found[0] if found else None


def missing(*names: str) -> str | None:
    """Why the named seeds (or, with no names, the seed directory) cannot be read, or None.

    The reason names what was looked for, where, and how to provide it."""
    where = looked_in()
    absent = [n for n in names if find_seed(n) is None]
    if not absent and (names or where.is_dir()):
        return None
    what = ", ".join(_pattern(n) for n in absent) if absent else "the seed directory"
    source = f"${ENV}" if os.environ.get(ENV, "").strip() else f"default; ${ENV} is not set"
    state = "" if where.is_dir() else ", no such directory"
    return (f"seed documents not found: {what} in {where} ({source}{state}); "
            f"clone the repo with ../shared beside it, or set {ENV} to the directory holding the seeds")


def _absent(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"{reason} [CI is set: missing seeds fail instead of skipping]", pytrace=False)
    pytest.skip(reason)


def require_seeds(*names: str) -> Path:
    """The seed directory, holding every named seed; else skip the calling test (fail it in CI)."""
    reason = missing(*names)
    if reason is not None:
        _absent(reason)
    return looked_in()


def seed_path(name: str) -> Path:
    """The seed's file; skips the calling test (fails it in CI) when it is missing."""
    require_seeds(name)
    path = find_seed(name)
    assert path is not None  # require_seeds has just found it
    return path


def seed_text(name: str) -> str:
    """The seed's text; skips the calling test (fails it in CI) when it is missing."""
    return seed_path(name).read_text(encoding="utf-8")


def needs_seeds(*names: str) -> pytest.MarkDecorator:
    """Mark a test (class, module, param) as reading these seeds; enforced at setup, before its fixtures."""
    return getattr(pytest.mark, MARKER)(*names)


def seed_params(names: str | Iterable[str], values: Callable[[], Iterable[Any]], width: int = 1) -> list[Any]:
    """Parameters computed from seed contents at collection time, without crashing collection.

    With the seeds, ``values()``; without them, one placeholder of ``width`` Nones marked
    ``needs_seeds``, so the test is reported skipped (failed in CI) with the reason."""
    wanted = (names,) if isinstance(names, str) else tuple(names)
    if missing(*wanted) is None:
        return list(values())
    return [pytest.param(*([None] * width), marks=needs_seeds(*wanted), id="seeds-missing")]


# -- the pytest plugin (tests/conftest.py registers this module): enforces needs_seeds ---------------


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker (the suite runs with --strict-markers)."""
    config.addinivalue_line("markers", MARKER_HELP)


def pytest_report_header(config: pytest.Config) -> str:
    """Say up front where the seeds are, or why the seed tests will be skipped (fail in CI)."""
    reason = missing()
    if reason is None:
        return f"seeds: {looked_in()}"
    return f"seeds: MISSING, seed tests will {'FAIL (CI is set)' if in_ci() else 'be skipped'}: {reason}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Outside CI, a marked test whose seeds are missing gets a skip mark: reported at the test, not here."""
    if in_ci():
        return
    for item in items:
        reasons = [r for mark in item.iter_markers(MARKER) if (r := missing(*mark.args)) is not None]
        if reasons:
            item.add_marker(pytest.mark.skip(reason=reasons[0]))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A marked test whose seeds are missing fails here in CI (skips otherwise), before its fixtures."""
    for mark in item.iter_markers(MARKER):
        require_seeds(*mark.args)
