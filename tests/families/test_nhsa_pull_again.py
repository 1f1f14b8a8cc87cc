"""The province pulls an index saved again unchanged only when that can change something (issue 12:
a load test saves the same row hundreds of times a second with a new msgid each; the module doc of
``reference.families.nhsa_index.service`` gives the decision)."""
from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from reference.families.nhsa_index import service
from reference.storage.models import IndexRecord
from tests.families.nhsa_helpers import rows, save


class Centre:
    """Stands in for the centre's download service: each pull ends as ``outcome`` says."""

    def __init__(self, outcome: str) -> None:
        self.outcome, self.pulls = outcome, 0

    def pull(self, sandbox: Any, hi: str) -> str:
        self.pulls += 1
        with sandbox.db.session() as session:
            record = session.get(IndexRecord, hi)
            record.pull_status = self.outcome
            record.pull_findings = [] if self.outcome == "pulled" else [{"rule": "PULL-UNREACHABLE"}]
        return self.outcome


def _saved(running: Any, row: dict[str, Any]) -> IndexRecord:
    assert save(running, [row])["data"][0]["succFlag"] == "1"
    running.sandbox.jobs.drain()
    with running.sandbox.db.reading() as session:
        record = session.scalars(select(IndexRecord).where(IndexRecord.hi_img_indx == row["hiImgIndx"])).one()
    return record


@pytest.fixture
def now(running: Any) -> list[float]:
    """The jobs' monotonic clock, set by the test."""
    at = [1000.0]
    running.sandbox.jobs.monotonic = lambda: at[0]
    return at


def test_an_index_pulled_and_saved_again_unchanged_is_not_pulled_again(running, monkeypatch, now):
    centre = Centre("pulled")
    monkeypatch.setattr(service, "pull_images", centre.pull)
    row = rows(running.config)[0]
    first = _saved(running, row)
    assert (centre.pulls, first.pull_status) == (1, "pulled")
    again = _saved(running, row)
    assert (centre.pulls, again.pull_status) == (1, "pulled")  # the same row names the same images
    assert again.msgid != first.msgid  # the save itself is recorded
    row["diagRslt"] = "复查：" + row["diagRslt"]
    changed = _saved(running, row)
    assert (centre.pulls, changed.pull_status) == (2, "pulled")  # another row: pulled again


def test_a_failed_pull_is_retried_on_a_save_at_most_once_a_second(running, monkeypatch, now):
    centre = Centre("failed")
    monkeypatch.setattr(service, "pull_images", centre.pull)
    row = rows(running.config)[0]
    assert _saved(running, row).pull_status == "failed" and centre.pulls == 1
    now[0] += service.PULL_RETRY_AFTER / 2
    record = _saved(running, row)
    assert (centre.pulls, record.pull_status, record.pull_findings) == (1, "failed", [{"rule": "PULL-UNREACHABLE"}])
    now[0] += service.PULL_RETRY_AFTER
    centre.outcome = "pulled"
    assert _saved(running, row).pull_status == "pulled" and centre.pulls == 2


def test_a_withdrawn_index_saved_again_is_pulled_again(running, monkeypatch, now):
    from tests.families.nhsa_helpers import delete

    centre = Centre("pulled")
    monkeypatch.setattr(service, "pull_images", centre.pull)
    row = rows(running.config)[0]
    _saved(running, row)
    assert delete(running, [row["hiImgIndx"]])["data"][0]["succFlag"] == "1"
    record = _saved(running, row)
    assert (centre.pulls, record.deleted_at, record.pull_status) == (2, None, "pulled")


def test_save_replay_conflict_and_resave_on_both_databases(storage_url, make_config, make_running, monkeypatch):
    """The save's unit of work: SQLite's own connection (``storage.raw``) or Core (PostgreSQL) — the
    same answers, the same stored index, the same decision to pull."""
    from tests.families.nhsa_helpers import SAVE, request, rules_in

    running = make_running(make_config(storage={"url": storage_url}))
    running.sandbox.jobs.monotonic = lambda: 1000.0
    centre = Centre("pulled")
    monkeypatch.setattr(service, "pull_images", centre.pull)
    row = rows(running.config)[0]
    body = request(running.config, "saveExamRpotImgIndx", [row])
    first = running.client.post(SAVE, json=body).json()
    running.sandbox.jobs.drain()
    assert first["data"][0]["succFlag"] == "1" and running.client.post(SAVE, json=body).json() == first  # replay
    conflict = running.client.post(SAVE, json=dict(body, input=[dict(row, diagRslt="另一份报告")])).json()
    assert conflict["code"] == -1 and "NIDX-MSGID-CONFLICT" in rules_in(conflict["message"])
    again = _saved(running, row)
    assert (centre.pulls, again.pull_status, again.row, again.deleted_at) == (1, "pulled", row, None)


def test_a_value_of_another_json_type_is_a_changed_row(running, monkeypatch, now):
    centre = Centre("pulled")
    monkeypatch.setattr(service, "pull_images", centre.pull)
    row = rows(running.config)[0]
    row["age"] = 85
    _saved(running, row)
    row["age"] = 85.0  # equal in Python, another JSON value: stored as sent, and pulled
    record = _saved(running, row)
    assert type(record.row["age"]) is float and centre.pulls == 2


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
                     lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
                     max_leaves=8)


@given(st.dictionaries(st.text(max_size=4), _JSON, max_size=5), st.text(max_size=4), _JSON)
@example({"n": float("nan"), "s": "NaN"}, "s", "NaN")
def test_a_row_compared_as_its_stored_text_is_judged_as_the_parsed_one(stored, key, value):
    """``_same_row`` on SQLite's stored text agrees with ``_identical`` on the row SQLAlchemy reads back,
    for the row sent again as it was, with its keys in another order, and with a value changed
    (``NaN`` included: never the same row, as before)."""
    text = json.dumps(stored)
    reordered = dict(reversed(list(stored.items())))
    changed = {**stored, key: value}
    for sent in (json.loads(text), reordered, changed, {**stored, "n": 85}, {**stored, "n": 85.0}):
        as_text = service.Stored("S1", "national", text, False, "pulled", text=True)
        parsed = service.Stored("S1", "national", json.loads(text), False, "pulled")
        assert service._same_row(as_text, sent) is service._identical(json.loads(text), sent) \
            is service._same_row(parsed, sent)
