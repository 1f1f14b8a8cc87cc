"""The simulated hospital's PACS/RIS in flow B (seeds/001 §4.1–4.2; INTERFACES.md flow B): exams
happen — each study goes into the hospital's PACS (served by its SCP and WADO-URI), each report
PDF into its file store, each report into its own database (``reference.families.hospital_pacs``),
where the view ``View_Pacs_Text_Info`` and the HTTP report pull show it.  Nothing is uploaded:
the gateway collects (flow B), unlike flow A's hospital (``hospital.py``)."""
from __future__ import annotations

from datetime import date
from typing import Any

from reference.families.hospital.files import publish
from reference.families.hospital_pacs.database import database_url, save_reports
from reference.parties import base_url
from reference.sandbox import Sandbox
from sim.demo import as_generator_institution, centre_for
from sim.fakedata.exams import make_exam
from sim.fakedata.pacs_reports import report_for_exam
from sim.synth import make_report_pdf, make_study

from .hospital import keep_in_pacs
from .refusals import naming_unknown_institutions

WADO = "{base}/wado?requestType=WADO&studyUID={study}&seriesUID={series}&objectUID={sop}&contentType=application/dicom"


def examine(sandbox: Sandbox, *, hospital: str, count: int, seed: int | None = None, start: int = 0,
            on: date | None = None, refunds: tuple[int, ...] = (), instances_per_series: int | None = None,
            centre: str | None = None) -> list[dict[str, Any]]:
    """Exams ``start`` … ``start + count - 1`` of ``seed`` at ``hospital``; ``refunds`` are the
    indexes (within this call) whose exam item is refunded.  One summary per exam."""
    config = sandbox.config
    hosp = config.institution(hospital)
    if hosp is None or hosp.kind != "hospital":
        raise KeyError(f"{hospital!r} is not a configured hospital")
    seed = config.seed if seed is None else seed
    store = as_generator_institution(config, centre_for(config, centre or config.parties["gateway"].collection.centre))
    hospitals, day = [as_generator_institution(config, hosp)], on or sandbox.now().date()
    base = f"{base_url(config, 'hospital')}/hospital/{hosp.code}"
    done, reports = [], []
    for k, i in enumerate(range(start, start + count)):
        exam = make_exam(seed, i, hospitals=hospitals, centre=store, on=day)
        instances = make_study(exam, seed=seed, instances_per_series=instances_per_series)
        keep_in_pacs(sandbox, exam, instances, hosp.code)
        with sandbox.db.session() as session:
            pdf = publish(sandbox, session, hosp.code, make_report_pdf(exam), "pdf")
        links = [WADO.format(base=base, study=x.study_uid, series=x.series_uid, sop=x.sop_instance_uid) for x in instances]
        item = report_for_exam(exam, pdf_url=f"{base}/files/{pdf}.pdf", image_urls=links, refunded=k in refunds)
        reports.append(item)
        done.append({key: item.get(key) for key in ("examNo", "accessionNo", "studyUid", "hiImgIndx", "psnName",
                                                    "certno", "modality", "examTime", "auditTime", "refundTime")}
                    | {"instances": len(instances), "sopUids": sorted(x.sop_instance_uid for x in instances)})
    save_reports(database_url(config), reports, now=sandbox.now())
    return done


@naming_unknown_institutions
def examine_action(sandbox: Sandbox, body: dict[str, Any]) -> dict[str, Any]:
    """The actor behind the control operation ``hospitalExamine`` (``openapi/sandbox.yaml``)."""
    exams = examine(sandbox, hospital=body["hospital"], count=body["count"], seed=body.get("seed"),
                    start=body.get("start", 0), refunds=tuple(body.get("refunds") or ()),
                    instances_per_series=body.get("instancesPerSeries"), centre=body.get("centre"))
    return {"exams": exams}
