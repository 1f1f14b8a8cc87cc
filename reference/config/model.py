"""The configuration model (pydantic): what each key means and which values it takes."""
from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ValidationMode = Literal["strict", "lenient"]
#: DICOM character-set forms (``reference/dicomtext/forms.py``, where each is described): the four
#: forms Chinese PACS write, and named faults whose (0008,0005) disagrees with the bytes.
DicomCharset = Literal["utf8", "gb18030", "gbk", "iso2022-gb2312", "pinyin", "mislabel-gbk-as-iso-ir-100",
                       "unlabelled-gbk", "mislabel-utf8-as-iso-ir-100", "mislabel-gb18030-as-iso-ir-192"]

#: Parties of INTERFACES.md ("Parties"); every one must be named in the config.
PARTY_IDS: tuple[str, ...] = (
    "hospital",
    "imaging_centre",
    "province_index",
    "province_cloud",
    "gateway",
    "regional_platform",
    "jiwei",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DicomPeerConfig(_Strict):
    """Where a DICOM AE listens (a C-MOVE destination)."""

    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)


class GatewaySourceConfig(_Strict):
    """How the gateway collects from one hospital (seeds/001 §4.1–4.2)."""

    #: 4.1: the report pull over HTTP (方式二) or the view View_Pacs_Text_Info (方式一)
    reports: Literal["http", "view"] = "http"
    #: 4.2: study-level C-MOVE into the gateway's storage SCP (方式一) or the WADO-URI links (方式二)
    images: Literal["move", "wado"] = "move"
    #: the hospital's database holding the view (default: the simulated hospital's own)
    database_url: str | None = None
    #: the report pull's URL (default: the hospital party's base URL + the contract's path)
    report_url: str | None = None


class GatewayConfig(_Strict):
    """The gateway (前置机, seeds/001): where it is installed, what it collects and how."""

    #: the hospital the gateway is installed in (001 §4.3: its hospitalId when a caller omits it)
    hospital: str = "H51080200011"
    #: the imaging centre it uploads to (default: the first configured one)
    centre: str | None = None
    #: per hospital code: how reports and images are collected
    sources: dict[str, GatewaySourceConfig] = Field(default_factory=dict)
    #: collect on a schedule every this many seconds (0: on demand only); each run reads the
    #: window since the previous run (type 3, audited)
    poll_seconds: float = Field(default=0, ge=0)
    #: each scheduled run re-reads this many hours before its cursor: a report audited before it
    #: became visible (a late commit, the PACS's clock behind ours) is not missed; an exam already
    #: uploaded is not collected again
    poll_overlap_hours: float = Field(default=0, ge=0, le=24 * 93)
    #: the film token (INTERFACES.md §4): SM4-CBC or AES-CBC, valid this many hours
    film_cipher: Literal["sm4", "aes"] = "sm4"
    film_hours: int = Field(default=720, ge=1)
    #: how far back the external-exam reminder looks at the provincial cloud (days)
    lookback_days: int = Field(default=365, ge=1)


class ReplyFault(_Strict):
    """A deliberate defect in a simulated party's replies (a second sandbox standing in for a
    non-conforming vendor system): for ``operation``, fields removed or set, the HTTP status changed."""

    operation: str = Field(min_length=1, max_length=64)
    #: dotted paths of the JSON reply to remove (``datas.token``; ``data[*].succFlag`` in every item)
    remove: list[str] = Field(default_factory=list)
    #: dotted path -> value to put there
    set: dict[str, Any] = Field(default_factory=dict)
    status: int | None = Field(default=None, ge=100, le=599)


class PartyConfig(_Strict):
    """One party: simulated inside the sandbox, or an external system under test."""

    mode: Literal["simulated", "external"] = "simulated"
    base_url: str | None = None
    #: DICOM (reference/transports/dicom): the AE title of the party's SCP (or of the external system)
    ae_title: str | None = Field(default=None, max_length=16)
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    #: province_cloud: answer with the HTTP status equal to the body's code (INTERFACES.md §3); default 200
    mirror_status: bool = False
    #: an external party's published public key: province_cloud's SM2 key (hex, 04…), regional_platform's
    #: RSA key (PEM); unset: asked of it at /_sandbox/… (what a second sandbox serves)
    public_key: str | None = Field(default=None, max_length=4000)
    #: faults in this (simulated) party's replies, to stand in for a non-conforming system
    reply_faults: list[ReplyFault] = Field(default_factory=list)
    #: DICOM: the AE title the party calls others with (default: ``ae_title``)
    calling_ae_title: str | None = Field(default=None, max_length=16)
    #: DICOM SCP: calling AE titles granted association (empty: anyone)
    allowed_callers: list[str] = Field(default_factory=list)
    #: DICOM SCP: C-MOVE destinations by AE title
    move_destinations: dict[str, DicomPeerConfig] = Field(default_factory=dict)
    #: DICOM SCP: concurrent associations accepted; more are rejected (local limit exceeded)
    max_associations: int = Field(default=10, ge=1)
    #: DICOM SCP and WADO-URI: serve stored instances re-encoded into this character-set form
    #: (a fault form sends a deliberately wrong (0008,0005)); unset: as stored
    dicom_charset: DicomCharset | None = None
    #: regional_platform: the 工程名 of its REST paths /{project}/v1/… (seeds/004 §3.2.2.1; INTERFACES.md §5)
    project: str = Field(default="cloudpacs", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    #: a SOAP service's target namespace (sandbox-defined, INTERFACES.md §5); default: its WSDL's own
    soap_namespace: str | None = None
    #: hospital: its own database (the view View_Pacs_Text_Info, seeds/001 §4.1.1); SQLAlchemy URL,
    #: default SQLite at <home>/hospital.db; postgresql+psycopg://… or mysql+pymysql://…
    database_url: str | None = None
    #: gateway: how it collects (seeds/001); default GatewayConfig()
    gateway: GatewayConfig | None = None

    @property
    def collection(self) -> GatewayConfig:
        """The gateway's settings (the defaults when none are configured)."""
        return self.gateway or GatewayConfig()

    @model_validator(mode="after")
    def _external_needs_address(self) -> PartyConfig:
        if self.mode == "external" and not (self.base_url or (self.host and self.port)):
            raise ValueError("an external party needs base_url, or host and port")
        return self


class InstitutionConfig(_Strict):
    """A demo institution the sandbox issues credentials to."""

    code: str = Field(min_length=1, max_length=30)
    name: str
    kind: Literal["hospital", "imaging_centre", "city_platform"]
    uscc: str = Field(min_length=18, max_length=18)
    admdvs: str = Field(pattern=r"^\d{6}$")
    hosp_lv: str = "11"
    #: Field profile of the national index family (``reference/profiles/*.yaml``).
    profile: str = "default"
    #: Overrides ``validation.mode`` for this institution.
    validation: ValidationMode | None = None
    #: The secret (``key``); derived from the seed when not given.
    secret: str | None = None
    #: A simulated hospital's PACS profile: the character-set form its DICOM studies are written in.
    dicom_charset: DicomCharset = "utf8"
    #: seeds/004: the hospital code the regional platform assigned (orgId, hospitalCode, the 医院ID
    #: prefix of SickNo / ApplyNo, Jiwei's yyid00); default: the code's last four characters.
    regional_code: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{1,32}$")
    #: seeds/004 §3.1: the 16-character AES key the primary-care platform issued; derived from the seed when not given.
    jiwei_key: str | None = Field(default=None, pattern=r"^[\x21-\x7e]{16}$")
    #: seeds/004 §3.4.2.1: where the hospital's HIS serves SynStatusInfo; default: the simulated
    #: HIS of the hospital party (``/his/{code}/SynStatusInfo``).
    syn_status_url: str | None = None


class ValidationConfig(_Strict):
    mode: ValidationMode = "strict"


class StorageConfig(_Strict):
    #: SQLAlchemy URL; default SQLite file in the data home.
    url: str | None = None
    #: Connections each process (each ``--workers`` worker) keeps open once opened, and
    #: ``max_overflow`` more it may open under load — each closed again when it is returned
    #: while ``pool_size`` are idle, so a load that keeps more than ``pool_size`` busy opens a new
    #: PostgreSQL connection (a server process forked, its catalog cache cold) every few
    #: requests: 26 a second in issue 12's 200-user run with 8 + 8.  Hence a fixed pool by
    #: default.  A unit of work that waits longer than ``busy_after`` seconds for a connection
    #: (or, on SQLite, for the write lock) is answered with the family's "busy, retry" reply.
    #: With PostgreSQL, workers x (pool_size + max_overflow) must stay under its max_connections.
    pool_size: int = Field(default=16, ge=1, le=200)
    max_overflow: int = Field(default=0, ge=0, le=200)
    busy_after: float = Field(default=20.0, gt=0, le=600)


class ListenConfig(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    #: The base URL peers use to reach this sandbox; default from host and port.
    public_url: str | None = None


class ExchangeLogConfig(_Strict):
    #: Bodies larger than this are kept as size + sha256 + head.
    body_limit: int = Field(default=64 * 1024, ge=256)
    head_bytes: int = Field(default=1024, ge=0)
    #: Secrets in what is stored and shown are masked (all but their last 4 characters).
    mask_secrets: bool = True
    secret_fields: list[str] = Field(default_factory=lambda: [
        "key", "appSecret", "token", "X-Token", "sign", "License", "license", "aesKey", "jiweiKey", "password", "adminToken"])


class ControlConfig(_Strict):
    """Who may use the sandbox's own API (``/_sandbox/…``)."""

    #: ``auto``: actions and state need the admin token when the listener is not loopback-only;
    #: ``all``: everything under ``/_sandbox/`` needs it; ``none``: nothing does.
    protect: Literal["auto", "all", "none"] = "auto"
    #: Sent as ``X-Imgcloud-Admin`` (or ``Authorization: Bearer …``); derived from the seed when not given.
    admin_token: str | None = None


class LimitsConfig(_Strict):
    """What one request may cost before the sandbox refuses it (hostile input is normal input)."""

    #: a JSON request body larger than this is refused before it is parsed (HTTP-BODY-TOO-LARGE)
    body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    #: arrays and objects nested deeper than this are refused (HTTP-JSON-DEPTH); the seeds' bodies nest 3
    json_depth: int = Field(default=32, ge=4, le=200)
    #: a file the centre fetches (a report PDF, a DICOM file or zip) larger than this is refused,
    #: and so is a zip expanding beyond it or beyond ``zip_ratio`` times its own size
    fetch_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)
    zip_ratio: float = Field(default=50.0, ge=1.0)
    #: seconds a whole fetch may take
    fetch_seconds: float = Field(default=120.0, gt=0)
    #: ports the centre never fetches from (services that are not HTTP: SSH, mail, databases, brokers)
    refused_ports: list[int] = Field(default_factory=lambda: [22, 23, 25, 110, 143, 465, 587, 993, 995, 3306,
                                                              5432, 5672, 6379, 1883, 4222, 11211, 27017])


class Config(_Strict):
    seed: int = 20251122
    home: Path = Path(".imgcloud")
    storage: StorageConfig = StorageConfig()
    validation: ValidationConfig = ValidationConfig()
    listen: ListenConfig = ListenConfig()
    exchange_log: ExchangeLogConfig = ExchangeLogConfig()
    limits: LimitsConfig = LimitsConfig()
    control: ControlConfig = ControlConfig()
    parties: dict[str, PartyConfig]
    institutions: list[InstitutionConfig]

    @field_validator("parties")
    @classmethod
    def _every_party_named(cls, parties: dict[str, PartyConfig]) -> dict[str, PartyConfig]:
        unknown = sorted(set(parties) - set(PARTY_IDS))
        if unknown:
            raise ValueError(f"unknown party {unknown[0]!r}; parties are {', '.join(PARTY_IDS)}")
        missing = [p for p in PARTY_IDS if p not in parties]
        if missing:
            raise ValueError(f"party {missing[0]!r} is not configured")
        return parties

    @field_validator("institutions")
    @classmethod
    def _unique_codes(cls, institutions: list[InstitutionConfig]) -> list[InstitutionConfig]:
        seen: set[str] = set()
        for inst in institutions:
            if inst.code in seen:
                raise ValueError(f"institution code {inst.code!r} is listed twice")
            seen.add(inst.code)
        return institutions

    # -- derived values -------------------------------------------------------
    @property
    def storage_url(self) -> str:
        return self.storage.url or f"sqlite:///{(self.home / 'sandbox.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        return self.home / "blobs"

    @property
    def public_url(self) -> str:
        if self.listen.public_url:
            return self.listen.public_url.rstrip("/")
        return f"http://{self.listen.host}:{self.listen.port}"

    def institution(self, code: str) -> InstitutionConfig | None:
        return next((i for i in self.institutions if i.code == code), None)

    def mode_for(self, code: str | None) -> ValidationMode:
        inst = self.institution(code) if code else None
        return (inst.validation if inst and inst.validation else None) or self.validation.mode

    def admin_token(self) -> str:
        """The token of the sandbox's own API: configured, or derived from the seed."""
        if self.control.admin_token:
            return self.control.admin_token
        return hmac.new(str(self.seed).encode(), b"imgcloud-admin", hashlib.sha256).hexdigest()[:32]

    def secret_for(self, inst: InstitutionConfig) -> str:
        """The institution's ``key``: configured, or derived from the seed (reproducible)."""
        if inst.secret:
            return inst.secret
        digest = hmac.new(str(self.seed).encode(), inst.code.encode(), hashlib.sha256)
        return digest.hexdigest()[:20].upper()
