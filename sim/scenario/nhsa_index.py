"""Scenario names of the national index family (seeds/000 §1.1–1.2): its two interfaces,
generated rows, and the stored state of an index."""
from __future__ import annotations

import copy
from datetime import date
from typing import Any

from sqlalchemy import select

from reference.national.request import envelope as make_envelope
from reference.profiles import row_node
from reference.storage.models import IndexRecord
from sim.demo import demo_index_rows

from .registry import StepContext, action, envelope, generator


@envelope("province_index.saveExamRpotImgIndx")
@envelope("province_index.deleteExamRpotImgIndx")
def nhsa_index_request(ctx: StepContext, institution: str, rows: list[Any], operation: str) -> dict[str, Any]:
    """The institution's complete request: its credentials, a fresh msgid, rows under its profile's node."""
    inst = ctx.institution_config(institution)
    node = row_node(inst.profile, operation, "input")
    return make_envelope(ctx.config, inst, operation, rows, now=ctx.clock.now(),
                         sequence=ctx.next_sequence(), node=node)


@generator("index_rows")
def index_rows(ctx: StepContext, params: dict[str, Any]) -> list[dict[str, Any]]:
    """``{n: 1, seed: config seed, centre: the step's as: or the first centre, on: today}``:
    valid ``saveExamRpotImgIndx`` rows; the same seed gives the same rows."""
    centre = params.get("centre")
    if centre is None and ctx.institution:
        inst = ctx.config.institution(ctx.institution)
        centre = inst.code if inst is not None and inst.kind == "imaging_centre" else None
    on = date.fromisoformat(str(params["on"])) if params.get("on") else ctx.clock.now().date()
    _, rows = demo_index_rows(ctx.config, int(params.get("n", 1)), on=on, seed=params.get("seed"), centre=centre)
    return copy.deepcopy(rows)


@action("province_index.stored")
def stored(ctx: StepContext, params: dict[str, Any]) -> list[dict[str, Any]]:
    """``{hiImgIndx: one or a list}``: per index, whether the province holds it, and its record."""
    wanted = params["hiImgIndx"]
    indexes = [wanted] if isinstance(wanted, str) else list(wanted)
    with ctx.sandbox().db.reading() as session:
        records = {r.hi_img_indx: r for r in session.scalars(
            select(IndexRecord).where(IndexRecord.hi_img_indx.in_(indexes)))}
        return [_state(hi, records.get(hi)) for hi in indexes]


def _state(hi: str, record: IndexRecord | None) -> dict[str, Any]:
    if record is None:
        return {"hiImgIndx": hi, "stored": False, "deleted": False}
    return {
        "hiImgIndx": hi,
        "stored": record.deleted_at is None,
        "deleted": record.deleted_at is not None,
        "infCode": record.inf_code,
        "msgid": record.msgid,
        "pull_status": record.pull_status,
        "row": record.row,
    }
