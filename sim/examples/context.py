"""What the examples are built from: the sandbox's current data, looked up once per docs request
(the demo world's exams of every flow, the issued credentials, a live token)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import select

from reference.config import InstitutionConfig
from reference.families.gateway.store import STORE
from reference.families.province_cloud import tokens
from reference.sandbox import Sandbox
from reference.storage.models import (
    CentreExam,
    CentreInstance,
    DicomStored,
    GatewayExam,
    GatewayReminder,
    HospitalFile,
    IndexRecord,
    PacsInstance,
    ProvinceExam,
    ProvinceInstance,
    ProvinceToken,
    RegionalExam,
)
from reference.storage.state import DEMO_WORLD, read_state
from sim.fakedata.regional import RegionalExam as GeneratedRegional
from sim.fakedata.regional import regional_exam

TIME = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Regional:
    """The demo world's flow-D exam: as the platform stores it, and as it was generated."""

    row: RegionalExam
    inst: InstitutionConfig
    generated: GeneratedRegional


@dataclass
class Example:
    """What one operation's example holds."""

    body: Any = None  # the JSON request body
    params: dict[str, Any] = field(default_factory=dict)  # path, query and header parameters by name
    form: dict[str, str] | None = None  # multipart text fields
    files: dict[str, str] = field(default_factory=dict)  # multipart file fields -> where to download them
    named: dict[str, Any] = field(default_factory=dict)  # more valid bodies, by name
    note: str = ""


class Context:
    """The sandbox's current data, looked up once per docs request."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox, self.config = sandbox, sandbox.config
        self.now = sandbox.now().replace(microsecond=0)
        self.base = self.config.public_url

    def kind(self, kind: str) -> InstitutionConfig | None:
        """The first configured institution of ``kind``."""
        return next((i for i in self.config.institutions if i.kind == kind), None)

    @cached_property
    def centre_exam(self) -> tuple[CentreExam, CentreInstance] | None:
        """The oldest exam a configured hospital uploaded that the centre holds, and its first image."""
        hospitals = [i.code for i in self.config.institutions if i.kind == "hospital"]
        with self.sandbox.db.reading() as session:
            for exam in session.scalars(select(CentreExam).where(CentreExam.deleted_at.is_(None),
                                                                 CentreExam.hospital_code.in_(hospitals))
                                        .order_by(CentreExam.id)):
                inst = session.scalars(select(CentreInstance).where(CentreInstance.exam_id == exam.id)
                                       .order_by(CentreInstance.series_number, CentreInstance.instance_number)).first()
                if inst is not None:
                    return exam, inst
        return None

    @cached_property
    def index(self) -> IndexRecord | None:
        with self.sandbox.db.reading() as session:
            return session.scalars(select(IndexRecord).where(IndexRecord.deleted_at.is_(None),
                                                             IndexRecord.pull_status == "pulled")
                                   .order_by(IndexRecord.created_at)).first()

    @cached_property
    def cloud_exam(self) -> tuple[ProvinceExam, ProvinceInstance] | None:
        """The oldest exam a hospital uploaded to the provincial cloud with its images, and its first image."""
        with self.sandbox.db.reading() as session:
            for exam in session.scalars(select(ProvinceExam).where(ProvinceExam.id_card_no.is_not(None))
                                        .order_by(ProvinceExam.id)):
                inst = session.scalars(select(ProvinceInstance).where(ProvinceInstance.exam_pk == exam.id)
                                       .order_by(ProvinceInstance.id)).first()
                known = self.config.institution(exam.hospital_code)
                if inst is not None and known is not None and known.kind == "hospital":
                    return exam, inst
        return None

    def token(self, uid: str) -> str | None:
        """A live token of ``uid`` (at least 10 minutes left), issued now when it holds none."""
        with self.sandbox.db.reading() as session:
            live = session.scalars(select(ProvinceToken.token).where(
                ProvinceToken.uid == uid, ProvinceToken.expires_at > self.sandbox.now() + timedelta(minutes=10))
                .order_by(ProvinceToken.expires_at.desc())).first()
        if live:
            return str(live)
        inst = self.config.institution(uid)
        if inst is None:
            return None
        token, _ = tokens.issue(self.sandbox, uid, self.config.secret_for(inst))
        return token

    @cached_property
    def hospital_file(self) -> HospitalFile | None:
        with self.sandbox.db.reading() as session:
            return session.scalars(select(HospitalFile).where(HospitalFile.ext == "pdf")
                                   .order_by(HospitalFile.created_at)).first()

    @cached_property
    def pacs(self) -> PacsInstance | None:
        with self.sandbox.db.reading() as session:
            return session.scalars(select(PacsInstance).order_by(PacsInstance.id)).first()

    # -- flows B and D (sim/examples/flows_bd.py) --

    @cached_property
    def gateway_exams(self) -> list[GatewayExam]:
        """The gateway's live exams (uploaded), oldest first."""
        with self.sandbox.db.reading() as session:
            found = list(session.scalars(select(GatewayExam).where(GatewayExam.deleted_at.is_(None),
                                                                   GatewayExam.status == "uploaded")
                                         .order_by(GatewayExam.id)))
            session.expunge_all()
        return found

    @cached_property
    def reminder(self) -> str | None:
        """The newest reminder the gateway stored (its bubble page)."""
        with self.sandbox.db.reading() as session:
            return session.scalar(select(GatewayReminder.id).order_by(GatewayReminder.created_at.desc()))

    def gateway_sop(self, study_uid: str | None) -> str | None:
        """The first image of ``study_uid`` in the gateway's store."""
        with self.sandbox.db.reading() as session:
            return session.scalar(select(DicomStored.sop_uid).where(DicomStored.store == STORE,
                                                                     DicomStored.study_uid == study_uid)
                                  .order_by(DicomStored.series_number, DicomStored.instance_number))

    def other_hospital(self, code: str) -> str:
        """A configured hospital other than ``code`` (``code`` when it is the only one)."""
        return next((i.code for i in self.config.institutions if i.kind == "hospital" and i.code != code), code)

    @cached_property
    def regional(self) -> Regional | None:
        """The demo world's flow-D exam, when the platform holds it with its apply form linked."""
        plan = (read_state(self.sandbox.db, DEMO_WORLD) or {}).get("plan") or {}
        planned = next((e for e in plan.get("exams", []) if e.get("flow") == "D"), None)
        inst = self.config.institution(planned["hospital"]) if planned else None
        if planned is None or inst is None:
            return None
        generated = regional_exam(self.config, inst.code, seed=int(plan["seed"]), index=int(planned["index"]),
                                  on=datetime.fromisoformat(plan["now"]).date())
        with self.sandbox.db.reading() as session:
            row = session.scalar(select(RegionalExam).where(RegionalExam.hospital_code == generated.code,
                                                            RegionalExam.exam_no == generated.exam_no,
                                                            RegionalExam.linked_apply.is_not(None)))
            if row is not None:
                session.expunge(row)
        return Regional(row, inst, generated) if row is not None else None

    def wado(self, hospital: str, study: str, series: str, sop: str) -> str:
        return (f"{self.base}/hospital/{hospital}/wado?requestType=WADO&studyUID={study}&seriesUID={series}"
                f"&objectUID={sop}&contentType=application/dicom")
