"""tests/seeds.py itself: where it looks for the seed documents, and that a missing seed skips a test
outside CI but fails it under CI (so a CI run without the seeds cannot pass by skipping them)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests import seeds

pytest_plugins = ["pytester"]

REPO = Path(seeds.__file__).resolve().parents[1]


@pytest.fixture
def seed_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A seed directory holding 000 and 003, named by $IMGCLOUD_SEEDS; CI unset."""
    where = tmp_path / "seeds"
    where.mkdir()
    (where / "000_aaaa.txt").write_text("零", encoding="utf-8")
    (where / "003_bbbb.txt").write_text("三", encoding="utf-8")
    monkeypatch.setenv("IMGCLOUD_SEEDS", str(where))
    monkeypatch.delenv("CI", raising=False)
    return where


@pytest.fixture
def no_seeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$IMGCLOUD_SEEDS names a directory that does not exist; CI unset."""
    where = tmp_path / "nowhere"
    monkeypatch.setenv("IMGCLOUD_SEEDS", str(where))
    monkeypatch.delenv("CI", raising=False)
    return where


# -- lookup ---------------------------------------------------------------------------------------


def test_the_environment_variable_names_the_directory(seed_dir: Path) -> None:
    assert seeds.looked_in() == seed_dir and seeds.seeds_dir() == seed_dir


@pytest.mark.parametrize("value", [None, "", "  "])
def test_otherwise_shared_seeds_beside_the_repo(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv("IMGCLOUD_SEEDS", raising=False)
    else:
        monkeypatch.setenv("IMGCLOUD_SEEDS", value)
    assert seeds.looked_in() == REPO.parent / "shared" / "seeds"


def test_a_seed_is_found_by_number_or_file_name(seed_dir: Path) -> None:
    assert seeds.find_seed("000") == seed_dir / "000_aaaa.txt"
    assert seeds.find_seed("003_bbbb.txt") == seed_dir / "003_bbbb.txt"
    assert seeds.find_seed("002") is None and seeds.find_seed("003_cccc.txt") is None
    assert seeds.seed_path("003") == seed_dir / "003_bbbb.txt"
    assert seeds.seed_text("000") == "零"
    assert seeds.require_seeds("000", "003_bbbb.txt") == seed_dir
    assert seeds.missing("000", "003") is None and seeds.missing() is None


def test_two_files_for_one_seed_is_an_error(seed_dir: Path) -> None:
    (seed_dir / "000_cccc.txt").write_text("", encoding="utf-8")
    with pytest.raises(LookupError, match="000_aaaa.txt, 000_cccc.txt"):
        seeds.find_seed("000")


def test_without_the_directory_nothing_is_found(no_seeds: Path) -> None:
    assert seeds.seeds_dir() is None and seeds.find_seed("000") is None


def test_the_reason_names_what_where_and_how(no_seeds: Path) -> None:
    reason = seeds.missing("003")
    assert reason is not None
    assert "003_*.txt" in reason and str(no_seeds) in reason and "no such directory" in reason
    assert "$IMGCLOUD_SEEDS" in reason and "../shared beside it" in reason and "set IMGCLOUD_SEEDS" in reason


def test_only_the_missing_seeds_are_named(seed_dir: Path) -> None:
    reason = seeds.missing("000", "002")
    assert reason is not None and "002_*.txt" in reason and "000_" not in reason


# -- skip outside CI, fail in CI --------------------------------------------------------------------


@pytest.mark.parametrize("ci", [None, "", "false", "0", "no"])
def test_a_missing_seed_skips_outside_ci(no_seeds: Path, monkeypatch: pytest.MonkeyPatch, ci: str | None) -> None:
    if ci is not None:
        monkeypatch.setenv("CI", ci)
    for read in (seeds.require_seeds, seeds.seed_path, seeds.seed_text):
        with pytest.raises(pytest.skip.Exception, match=r"not found: 003_\*\.txt"):
            read("003")


@pytest.mark.parametrize("ci", ["true", "True", "1", "yes"])
def test_a_missing_seed_fails_in_ci(no_seeds: Path, monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    for read in (seeds.require_seeds, seeds.seed_path, seeds.seed_text):
        with pytest.raises(pytest.fail.Exception, match=r"not found: 003_\*\.txt.*CI is set"):
            read("003")


def test_seed_params_are_the_values_with_the_seed(seed_dir: Path) -> None:
    assert seeds.seed_params("000", lambda: [seeds.seed_text("000"), "x"]) == ["零", "x"]


def test_seed_params_are_one_marked_placeholder_without_it(no_seeds: Path) -> None:
    def never() -> list[str]:
        raise AssertionError("the seed's contents are not read when it is missing")

    [param] = seeds.seed_params(("000", "003"), never, width=2)
    assert param.values == (None, None) and param.id == "seeds-missing"
    assert [(m.name, m.args) for m in param.marks] == [(seeds.MARKER, ("000", "003"))]


# -- the plugin, end to end (a pytest run in a subprocess, with the hooks tests/conftest.py registers) --

RUN = '''
import pytest
from tests.seeds import needs_seeds, seed_params, seed_text

@needs_seeds("003")
def test_marked():
    assert seed_text("003") == "三"

@pytest.mark.parametrize("text", seed_params("000", lambda: [seed_text("000")]))
def test_parametrized_from_the_seed(text):
    assert text == "零"

def test_reads_the_seed_in_its_body():
    assert seed_text("000") == "零"

def test_needs_no_seed():
    pass
'''


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.RunResult:
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    pytester.makepyfile(test_run=RUN)
    return pytester.runpytest_subprocess("-p", "tests.seeds", "--strict-markers", "-rs", "-p", "no:cacheprovider")


def test_plugin_with_the_seeds(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, seed_dir: Path) -> None:
    result = _run(pytester, monkeypatch)
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([f"seeds: {seed_dir}"])


def test_plugin_skips_without_the_seeds(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                        no_seeds: Path) -> None:
    result = _run(pytester, monkeypatch)
    result.assert_outcomes(passed=1, skipped=3)
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "seeds: MISSING, seed tests will be skipped: *",
        "SKIPPED [[]1[]] test_run.py:*: seed documents not found: 003_*.txt in *",  # marked: at the test
        "SKIPPED [[]1[]] test_run.py:*: seed documents not found: 000_*.txt in *",  # the placeholder
        "SKIPPED [[]1[]] *seeds.py:*: seed documents not found: 000_*.txt in *",  # read in the body: where it skipped
    ])


def test_plugin_fails_in_ci_without_the_seeds(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                              no_seeds: Path) -> None:
    monkeypatch.setenv("CI", "true")
    result = _run(pytester, monkeypatch)
    # marked and placeholder: errors at setup; the body's own read: a failure; the rest still runs
    result.assert_outcomes(passed=1, errors=2, failed=1)
    assert result.ret != 0
    result.stdout.fnmatch_lines([
        "seeds: MISSING, seed tests will FAIL (CI is set): *",
        "_* ERROR at setup of test_marked _*",
        "seed documents not found: 003_*.txt in * [[]CI is set: missing seeds fail instead of skipping[]]",
    ])
