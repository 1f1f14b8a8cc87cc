"""Tables.  Every change here needs a migration under ``migrations/versions``."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Exchange(Base):
    """One request/response a simulated party received or a simulator sent."""

    __tablename__ = "exchanges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uid: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)
    time: Mapped[datetime] = mapped_column(DateTime, index=True)
    direction: Mapped[str] = mapped_column(String(8))  # inbound | outbound
    transport: Mapped[str] = mapped_column(String(8))  # http | soap | dicom
    party: Mapped[str | None] = mapped_column(String(32))
    family: Mapped[str | None] = mapped_column(String(32))
    operation: Mapped[str | None] = mapped_column(String(64), index=True)
    institution: Mapped[str | None] = mapped_column(String(64), index=True)
    method: Mapped[str | None] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(8), index=True)  # pass | warn | fail | error
    duration_ms: Mapped[float | None]
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class IndexRecord(Base):
    """A row of ``saveExamRpotImgIndx`` held by the provincial index module."""

    __tablename__ = "index_records"

    hi_img_indx: Mapped[str] = mapped_column(String(100), primary_key=True)
    inf_code: Mapped[str] = mapped_column(String(30), index=True)
    fixmedins_code: Mapped[str | None] = mapped_column(String(30))
    profile: Mapped[str] = mapped_column(String(32))
    row: Mapped[dict[str, Any]] = mapped_column(JSON)
    msgid: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: the province's pull of the images: pending | pulling | pulled | failed
    pull_status: Mapped[str | None] = mapped_column(String(12))
    pull_findings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    pulled_at: Mapped[datetime | None] = mapped_column(DateTime)


class Message(Base):
    """A processed ``msgid``: idempotent replay of the stored response."""

    __tablename__ = "messages"

    msgid: Mapped[str] = mapped_column(String(50), primary_key=True)
    inf_code: Mapped[str] = mapped_column(String(30))
    operation: Mapped[str] = mapped_column(String(64))
    body_sha256: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Blob(Base):
    """A file in the blob store, addressed by the sha256 of its content."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


Index("ix_exchanges_family_time", Exchange.family, Exchange.time)


class PacsInstance(Base):
    """A DICOM instance held by a hospital's PACS (simulated): served by HTTP and DICOM."""

    __tablename__ = "pacs_instances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hospital_code: Mapped[str] = mapped_column(String(30), index=True)
    patient_id: Mapped[str | None] = mapped_column(String(64))
    accession: Mapped[str | None] = mapped_column(String(64), index=True)
    study_uid: Mapped[str] = mapped_column(String(64), index=True)
    series_uid: Mapped[str] = mapped_column(String(64))
    sop_uid: Mapped[str] = mapped_column(String(64), unique=True)
    sop_class: Mapped[str] = mapped_column(String(64))
    series_number: Mapped[int | None] = mapped_column(Integer)
    instance_number: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class HospitalFile(Base):
    """A file a simulated hospital produced and serves (``GET /hospital/{code}/files/{sha256}.{ext}``):
    only that hospital's files, each under the type it was produced as."""

    __tablename__ = "hospital_files"

    hospital_code: Mapped[str] = mapped_column(String(30), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    ext: Mapped[str] = mapped_column(String(8), primary_key=True)  # pdf | dcm | zip
    created_at: Mapped[datetime] = mapped_column(DateTime)


class CentreExam(Base):
    """An exam a hospital uploaded to an imaging centre (saveExamRpotImgInfo row)."""

    __tablename__ = "centre_exams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    centre_code: Mapped[str] = mapped_column(String(30), index=True)
    hospital_code: Mapped[str] = mapped_column(String(30))
    hi_img_indx: Mapped[str] = mapped_column(String(100), index=True)
    accession: Mapped[str] = mapped_column(String(64))
    study_uid: Mapped[str] = mapped_column(String(64))
    row: Mapped[dict[str, Any]] = mapped_column(JSON)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    #: stored | registered | register_failed | deleted
    status: Mapped[str] = mapped_column(String(20))
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)


class CentreInstance(Base):
    """One stored DICOM instance of a centre exam, with its prebuilt queryImgCahe reply."""

    __tablename__ = "centre_instances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    exam_id: Mapped[int] = mapped_column(Integer, index=True)
    study_uid: Mapped[str] = mapped_column(String(64))
    series_uid: Mapped[str] = mapped_column(String(64))
    sop_uid: Mapped[str] = mapped_column(String(64))
    sop_class: Mapped[str] = mapped_column(String(64))
    series_number: Mapped[int | None] = mapped_column(Integer)
    instance_number: Mapped[int | None] = mapped_column(Integer)
    dicom_sha256: Mapped[str] = mapped_column(String(64))
    #: the complete queryImgCahe JSON reply (base64 of the file), encoded once at ingest
    reply_sha256: Mapped[str] = mapped_column(String(64))
    reply_size: Mapped[int] = mapped_column(Integer)


class ProvinceImage(Base):
    """An image the provincial index module pulled from a centre and cached."""

    __tablename__ = "province_images"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hi_img_indx: Mapped[str] = mapped_column(String(100), index=True)
    study_uid: Mapped[str] = mapped_column(String(64))
    series_uid: Mapped[str] = mapped_column(String(64))
    sop_uid: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(DateTime)


Index("ix_centre_instances_lookup", CentreInstance.exam_id, CentreInstance.sop_uid, unique=True)
#: a centre's exam by index code (migration 0015: the image download hot path's lookup)
Index("ix_centre_exams_lookup", CentreExam.hi_img_indx, CentreExam.centre_code)
Index("ix_province_images_lookup", ProvinceImage.hi_img_indx, ProvinceImage.sop_uid, unique=True)


class ArchiveExam(Base):
    """An exam registered with the cloud archive before its images (seeds/004 §3.2.3.2)."""

    __tablename__ = "archive_exams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    study_uid: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[str] = mapped_column(String(64))
    accession: Mapped[str] = mapped_column(String(64))
    hospital_code: Mapped[str | None] = mapped_column(String(30))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    registered_at: Mapped[datetime] = mapped_column(DateTime)


class DicomStored(Base):
    """An instance a sandbox storage SCP received (``store``: archive | gateway)."""

    __tablename__ = "dicom_stored"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store: Mapped[str] = mapped_column(String(32))
    calling_ae: Mapped[str] = mapped_column(String(16))
    patient_id: Mapped[str | None] = mapped_column(String(64))
    accession: Mapped[str | None] = mapped_column(String(64))
    study_uid: Mapped[str] = mapped_column(String(64))
    series_uid: Mapped[str] = mapped_column(String(64))
    sop_uid: Mapped[str] = mapped_column(String(64))
    sop_class: Mapped[str] = mapped_column(String(64))
    series_number: Mapped[int | None] = mapped_column(Integer)
    instance_number: Mapped[int | None] = mapped_column(Integer)
    transfer_syntax: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime)


Index("ix_dicom_stored_sop", DicomStored.store, DicomStored.sop_uid, unique=True)
Index("ix_dicom_stored_study", DicomStored.store, DicomStored.study_uid)


class ProvinceToken(Base):
    """A token the provincial cloud issued (getToken, seeds/003): valid 7200 s."""

    __tablename__ = "province_tokens"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    uid: Mapped[str] = mapped_column(String(100), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class ProvinceAuth(Base):
    """Consecutive wrong secrets of a uid and its lock (11001 / 11003)."""

    __tablename__ = "province_auth"

    uid: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)


class ProvinceExam(Base):
    """An exam uploaded with savePatientExam: one per (hospital_code, access_number)."""

    __tablename__ = "province_exams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    exam_id: Mapped[str] = mapped_column(String(32), unique=True)
    hospital_code: Mapped[str] = mapped_column(String(60))
    access_number: Mapped[str] = mapped_column(String(100))
    id_card_no: Mapped[str | None] = mapped_column(String(64), index=True)  # decrypted (synthetic data only)
    patient_name: Mapped[str] = mapped_column(String(50))
    study_uid: Mapped[str] = mapped_column(Text)
    exam_project_code: Mapped[str] = mapped_column(String(20))
    check_time: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    row: Mapped[dict[str, Any]] = mapped_column(JSON)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ProvinceInstance(Base):
    """A DICOM instance uploaded with uploadDicom."""

    __tablename__ = "province_instances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    exam_pk: Mapped[int] = mapped_column(Integer, index=True)
    study_uid: Mapped[str] = mapped_column(String(64))
    series_uid: Mapped[str] = mapped_column(String(64))
    sop_uid: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ProvinceProject(Base):
    """A hospital's exam project and its standard projects (projectContrast)."""

    __tablename__ = "province_projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hospital_code: Mapped[str] = mapped_column(String(60))
    project_item_code: Mapped[str] = mapped_column(String(50))
    item: Mapped[dict[str, Any]] = mapped_column(JSON)
    standard_codes: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ProvinceRecord(Base):
    """A reminder/view record (saveReminderCallRecord) or a recognition decision (saveRecognExamRecord)."""

    __tablename__ = "province_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # reminder | recognition
    uid: Mapped[str] = mapped_column(String(100))
    exam_id: Mapped[str] = mapped_column(String(99), index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


Index("ix_province_exams_key", ProvinceExam.hospital_code, ProvinceExam.access_number, unique=True)
Index("ix_province_instances_sop", ProvinceInstance.exam_pk, ProvinceInstance.sop_uid, unique=True)
Index("ix_province_projects_key", ProvinceProject.hospital_code, ProvinceProject.project_item_code, unique=True)


# -- seeds/004: regional platform, primary-care platform (基卫), the HIS's status service ------------

class RegionalToken(Base):
    """A token the regional platform issued (getToken, seeds/004 §3.2.2.5): 2 h, accepted 2 h 15 min."""

    __tablename__ = "regional_tokens"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(64))
    org_id: Mapped[str] = mapped_column(String(32), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class RegionalExam(Base):
    """An exam pushed to the regional platform (exam/push, 004 §3.2.3.1): one per (hospital_code, exam_no)."""

    __tablename__ = "regional_exams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hospital_code: Mapped[str] = mapped_column(String(32))
    exam_no: Mapped[str] = mapped_column(String(32))
    apply_no: Mapped[str] = mapped_column(String(32), index=True)
    patient_id: Mapped[str] = mapped_column(String(32), index=True)   # examInfo.patientID (检查号)
    sick_id: Mapped[str] = mapped_column(String(32), index=True)
    inpatient_no: Mapped[str | None] = mapped_column(String(32), index=True)
    outpatient_no: Mapped[str | None] = mapped_column(String(32), index=True)
    patient_name: Mapped[str] = mapped_column(String(64))
    exam_class: Mapped[str] = mapped_column(String(32))
    exam_date: Mapped[str] = mapped_column(String(10), index=True)  # YYYY-MM-DD of examTime
    exam_status: Mapped[str] = mapped_column(String(2))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the SynApplyInfo apply form it fulfils (syninfo_applies.apply_no), if any
    linked_apply: Mapped[str | None] = mapped_column(String(32))
    #: SynStatusInfo statuses sent to the HIS so far (00, 20, 50, 70)
    notified: Mapped[list[str]] = mapped_column(JSON)
    pushed_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class RegionalStatistic(Base):
    """An expected count uploaded with exam/uploadStatistics (004 §3.2.3.3), one per hospital, day and class."""

    __tablename__ = "regional_statistics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hospital_code: Mapped[str] = mapped_column(String(32))
    exam_date: Mapped[str] = mapped_column(String(10))
    exam_class: Mapped[str] = mapped_column(String(32))
    accord_count: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(32))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime)


class SynApply(Base):
    """An apply form the HIS sent with SynApplyInfo (004 §3.4.1.1), and where it stands."""

    __tablename__ = "syninfo_applies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    apply_no: Mapped[str] = mapped_column(String(32), unique=True)
    hospital_code: Mapped[str | None] = mapped_column(String(48))
    sick_no: Mapped[str] = mapped_column(String(64), index=True)
    patient_name: Mapped[str] = mapped_column(String(64))
    #: applied | deleted | registered | examined | reported | cancelled
    status: Mapped[str] = mapped_column(String(16))
    document: Mapped[str] = mapped_column(Text)     # the <XmlDocument> as received
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class HisStatusReceived(Base):
    """A SynStatusInfo call the simulated HIS received (004 §3.4.2.1)."""

    __tablename__ = "his_status_received"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hospital: Mapped[str] = mapped_column(String(32), index=True)
    exam_no: Mapped[str | None] = mapped_column(String(64))
    apply_no: Mapped[str | None] = mapped_column(String(64), index=True)
    status_code: Mapped[str | None] = mapped_column(String(8))
    accepted: Mapped[int] = mapped_column(Integer)  # 1 answered code 0, 0 answered a failure
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime)


class JiweiForm(Base):
    """An apply form the primary-care platform (基卫) serves (004 §3.1.3.1)."""

    __tablename__ = "jiwei_forms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    yyid00: Mapped[str] = mapped_column(String(32))
    medicarecode: Mapped[str] = mapped_column(String(64))
    applycode: Mapped[str] = mapped_column(String(64))
    businesstype: Mapped[str] = mapped_column(String(2))
    type: Mapped[str] = mapped_column(String(2))
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


Index("ix_regional_exams_key", RegionalExam.hospital_code, RegionalExam.exam_no, unique=True)
Index("ix_regional_statistics_key", RegionalStatistic.hospital_code, RegionalStatistic.exam_date,
      RegionalStatistic.exam_class, unique=True)
Index("ix_jiwei_forms_key", JiweiForm.yyid00, JiweiForm.applycode, unique=True)
Index("ix_jiwei_forms_patient", JiweiForm.yyid00, JiweiForm.medicarecode)


class GatewayExam(Base):
    """An exam the gateway collected from a hospital PACS (seeds/001 §4.1–4.2): the report as
    pulled, the study's state in the gateway's store, the upload to the imaging centre."""

    __tablename__ = "gateway_exams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hospital_code: Mapped[str] = mapped_column(String(30))
    exam_no: Mapped[str] = mapped_column(String(50))
    accession: Mapped[str] = mapped_column(String(64))
    study_uid: Mapped[str | None] = mapped_column(String(64))
    hi_img_indx: Mapped[str | None] = mapped_column(String(100))
    modality: Mapped[str | None] = mapped_column(String(16))
    patient_name: Mapped[str | None] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(String(8))  # http | view
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: reported | collected | incomplete | mismatch | uploaded | upload_failed | refunded | deleted
    status: Mapped[str] = mapped_column(String(16))
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    instances: Mapped[int] = mapped_column(Integer)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    zip_sha256: Mapped[str | None] = mapped_column(String(64))
    centre_code: Mapped[str | None] = mapped_column(String(30))
    upload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)


class GatewaySession(Base):
    """A doctor logged in to the external-viewing plug-in (hrball, seeds/001 §4.4.3.1)."""

    __tablename__ = "gateway_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    his_user_id: Mapped[str] = mapped_column(String(64), index=True)
    hospital_code: Mapped[str] = mapped_column(String(30))
    doctor: Mapped[dict[str, Any]] = mapped_column(JSON)  # decoded parameters, the ID number masked
    login_at: Mapped[datetime] = mapped_column(DateTime)
    logout_at: Mapped[datetime | None] = mapped_column(DateTime)


class GatewayReminder(Base):
    """What a swipingIdCardNo found: the patient's exams elsewhere, shown by the bubble page."""

    __tablename__ = "gateway_reminders"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    his_user_id: Mapped[str] = mapped_column(String(64))
    hospital_code: Mapped[str] = mapped_column(String(30))
    patient_name: Mapped[str | None] = mapped_column(String(50))
    exams: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class GatewayCursor(Base):
    """Where the gateway's scheduled collection of a hospital has read up to."""

    __tablename__ = "gateway_cursors"

    hospital_code: Mapped[str] = mapped_column(String(30), primary_key=True)
    until: Mapped[datetime] = mapped_column(DateTime)


Index("ux_gateway_exams_exam", GatewayExam.hospital_code, GatewayExam.exam_no, unique=True)
Index("ix_gateway_exams_accession", GatewayExam.hospital_code, GatewayExam.accession)


class SandboxState(Base):
    """Facts about the sandbox itself, by key (issue 14): the demo world seeded on first start
    (``demo_world``: plan, steps done, status), so that an interrupted seeding resumes."""

    __tablename__ = "sandbox_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class TrainingProgress(Base):
    """One trainee's progress through one lesson of the training mode (``reference/training``):
    the current step, the exchange-log id the step started after, the attempts graded so far and
    the values the lesson was prepared with (the trainee's own exam)."""

    __tablename__ = "training_progress"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trainee: Mapped[str] = mapped_column(String(64), index=True)
    lesson: Mapped[str] = mapped_column(String(64))
    step: Mapped[int] = mapped_column(Integer)  # index of the current step; == len(steps) when complete
    since: Mapped[int] = mapped_column(Integer)  # exchanges with a larger id are this step's attempts
    attempts: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # per step: attempts, mistakes, when passed
    last: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the newest graded attempt
    started_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


Index("ix_training_progress_key", TrainingProgress.trainee, TrainingProgress.lesson, unique=True)
