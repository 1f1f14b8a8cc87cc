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
Index("ix_province_images_lookup", ProvinceImage.hi_img_indx, ProvinceImage.sop_uid, unique=True)
