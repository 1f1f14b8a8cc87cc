"""Validators that remember their answers (``problems.remembered``) answer as they would anew."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from reference.validators import idcard, problems, uscc
from reference.validators.problems import Problem, remembered

USCCS = ["91350100M000100Y43", "91350100M000100Y4X", "9135010OM000100Y43", "91350100m000100y43", "123", "",
         "12510800451000018F"]
CERTNOS = ["11010519491231002X", "110105194912310021", "11010519491231002x", "110105491231002", "A1010519491231002X",
           "990105194912310023", ""]


@pytest.mark.parametrize("value", USCCS)
def test_a_remembered_uscc_is_judged_as_anew(value: str) -> None:
    fresh = uscc.check.__wrapped__(value)  # type: ignore[attr-defined]
    assert uscc.check(value) == fresh and uscc.check(value) == fresh


@pytest.mark.parametrize("certno", CERTNOS)
def test_a_remembered_identity_number_is_judged_as_anew(certno: str) -> None:
    for on in (date(2026, 12, 3), date(1949, 12, 30)):
        fresh = idcard._check_on.__wrapped__(certno, on)  # type: ignore[attr-defined]
        assert idcard.check(certno, on=on) == fresh and idcard.check(certno, on=on) == fresh


def test_the_day_is_part_of_what_is_remembered() -> None:
    """A number born on a day is in the future the day before: the answer per day, never another day's."""
    born = date(2026, 12, 3)
    certno = _certno(born)
    assert idcard.check(certno, on=born) == []
    assert [p.code for p in idcard.check(certno, on=born - timedelta(days=1))] == ["idcard_birth_future"]
    assert idcard.check(certno, on=born) == []
    assert idcard.check(certno) == idcard._check_on.__wrapped__(certno, date.today())  # type: ignore[attr-defined]


def _certno(born: date) -> str:
    body = f"110105{born:%Y%m%d}002"
    return body + idcard.check_char(body)


def test_each_answer_is_a_new_list_and_the_memory_is_bounded(monkeypatch: Any) -> None:
    calls: list[Any] = []

    def judge(value: Any) -> list[Problem]:
        calls.append(value)
        return [problems.problem("x", value=str(value))]

    check = remembered(judge)
    first = check("a")
    first.append(problems.problem("mine"))
    assert check("a") == [problems.problem("x", value="a")] and calls == ["a"]
    assert check(["not", "hashable"]) == [problems.problem("x", value="['not', 'hashable']")]
    assert check(["not", "hashable"]) and len(calls) == 3  # judged each time
    monkeypatch.setattr(problems, "REMEMBERED", 2)
    for value in ("b", "c", "d", "a"):
        assert check(value) == [problems.problem("x", value=value)]
    assert calls.count("a") == 2  # forgotten once the memory was full
