"""The configuration model (pydantic): what each key means and which values it takes."""
from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ValidationMode = Literal["strict", "lenient"]

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
    #: the film token (INTERFACES.md §4): SM4-CBC or AES-CBC, valid this many hours
    film_cipher: Literal["sm4", "aes"] = "sm4"
    film_hours: int = Field(default=720, ge=1)
    #: how far back the external-exam reminder looks at the provincial cloud (days)
    lookback_days: int = Field(default=365, ge=1)


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
    #: DICOM: the AE title the party calls others with (default: ``ae_title``)
    calling_ae_title: str | None = Field(default=None, max_length=16)
    #: DICOM SCP: calling AE titles granted association (empty: anyone)
    allowed_callers: list[str] = Field(default_factory=list)
    #: DICOM SCP: C-MOVE destinations by AE title
    move_destinations: dict[str, DicomPeerConfig] = Field(default_factory=dict)
    #: DICOM SCP: concurrent associations accepted; more are rejected (local limit exceeded)
    max_associations: int = Field(default=10, ge=1)
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


class ValidationConfig(_Strict):
    mode: ValidationMode = "strict"


class StorageConfig(_Strict):
    #: SQLAlchemy URL; default SQLite file in the data home.
    url: str | None = None


class ListenConfig(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    #: The base URL peers use to reach this sandbox; default from host and port.
    public_url: str | None = None


class ExchangeLogConfig(_Strict):
    #: Bodies larger than this are kept as size + sha256 + head.
    body_limit: int = Field(default=64 * 1024, ge=256)
    head_bytes: int = Field(default=1024, ge=0)


class Config(_Strict):
    seed: int = 20251122
    home: Path = Path(".imgcloud")
    storage: StorageConfig = StorageConfig()
    validation: ValidationConfig = ValidationConfig()
    listen: ListenConfig = ListenConfig()
    exchange_log: ExchangeLogConfig = ExchangeLogConfig()
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

    def secret_for(self, inst: InstitutionConfig) -> str:
        """The institution's ``key``: configured, or derived from the seed (reproducible)."""
        if inst.secret:
            return inst.secret
        digest = hmac.new(str(self.seed).encode(), inst.code.encode(), hashlib.sha256)
        return digest.hexdigest()[:20].upper()
