"""Reading and judging the ``<XmlDocument>`` of SynApplyInfo (seeds/004 §3.4.1.1) beyond its XSD
(``openapi/soap/syninfo-apply.xsd``): the License, the rules that depend on the patient class,
the table's lengths judged leniently, the hospital-ID prefixes and codes, and which of the two
structures (004's table or its sample) was used."""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from reference.config import Config, InstitutionConfig, ValidationMode
from reference.regional import identity
from reference.rules import RULES, Finding
from reference.transports.soap import documents, xml

XSD = "soap/syninfo-apply.xsd"
ROOT = "XmlDocument"
#: element -> (the table's VARCHAR(n), why more is accepted)
LENIENT_LENGTHS = {
    "Header/License": (10, "004 的示例与签发的验证码为 32 位十六进制",
                       "004's sample and the issued licenses are 32 hex characters"),
    "Patient/SickNo": (10, "SickNo 须带医院ID前缀（004 §3.4.3 的示例 7173_brid00 已有 11 位）",
                       "SickNo must carry the hospital-ID prefix (004 §3.4.3's own example 7173_brid00 has 11)"),
}
#: PatientClass code -> (who, who_en, elements required for them) — 004's 说明 column
CLASS_REQUIRED = {
    "OU": ("门诊病人", "outpatients", ("Patient/CardNo", "Patient/OutPatientNo", "Patient/Phoneticize", "Exam/OutRegNo",
                                      "Exam/PerformDept")),
    "IN": ("住院病人", "inpatients", ("Patient/InPatientNo",)),
}


@dataclass
class ApplyDocument:
    """The document as read (what the XSD does not declare set aside) and what it names."""

    root: etree._Element
    institution: InstitutionConfig | None

    def text(self, path: str) -> str:
        return xml.text_of(self.root.find(path))

    def attr(self, path: str, name: str) -> str:
        node = self.root.find(path)
        return (node.get(name) or "").strip() if node is not None else ""

    @property
    def action(self) -> str:
        return self.text("Header/Action") or "INSERT"

    @property
    def apply_no(self) -> str:
        return self.text("Exam/ApplyNo")

    @property
    def sick_no(self) -> str:
        return self.text("Patient/SickNo")

    def fields(self) -> dict[str, object]:
        found = xml.as_dict(self.root)[ROOT]
        return found if isinstance(found, dict) else {}


def read(config: Config, text: str) -> tuple[ApplyDocument, list[Finding]]:
    """Parse (hardened), validate against the XSD, and apply the rules below.  ``XmlRefused``
    when it is no readable XML at all."""
    raw = xml.parse(text, what="req（申请单 XmlDocument）", path="req")
    license_ = xml.text_of(raw.find("Header/License"))
    inst = identity.by_license(config, license_)
    mode = config.mode_for(inst.code if inst else None)
    root, findings = documents.check(raw, XSD, mode=mode)
    doc = ApplyDocument(root, inst)
    findings += _license(doc, license_, raw.find("Header/License") is not None)
    findings += _structure(doc) + _by_class(doc, mode) + _lengths(doc) + _hospital(doc)
    return doc, findings


def _license(doc: ApplyDocument, value: str, present: bool) -> list[Finding]:
    if not present or not value or doc.institution is not None:
        return []  # missing: the XSD's SCHEMA-REQUIRED says so
    return [RULES.finding("SYNINFO-LICENSE", path=f"{ROOT}/Header/License", value=value)]


def _structure(doc: ApplyDocument) -> list[Finding]:
    out = []
    if doc.root.find("Exam/ExamItems") is None and doc.root.find("Exam/ExamItem") is None:
        out.append(RULES.finding("SYNINFO-ITEMS-REQUIRED", path=f"{ROOT}/Exam/ExamItems"))
    if doc.root.find("Exam/ExamItem") is not None:
        out.append(RULES.finding("SYNINFO-TABLE-FORM", path=f"{ROOT}/Exam/ExamItem", element="Exam/ExamItem",
                                 table="ExamItem/Item@code,Cost,Charge,OrderNo,Count",
                                 sample="ExamItems/ExamItem/ItemCode,ItemName,ItemCost,ItemCharge,OrderNo,Count"))
    flat = [n for n in ("SampleNo", "BarcodeNo", "PackageNo", "SampleName", "SamplePart", "SampleSource")
            if doc.root.find(f"Exam/{n}") is not None]
    if flat:
        out.append(RULES.finding("SYNINFO-TABLE-FORM", path=f"{ROOT}/Exam/{flat[0]}",
                                 element=", ".join(f"Exam/{n}" for n in flat), table="Exam/SampleNo…（平铺 / flat）",
                                 sample="Exam/Samples/SampleInfo/SampleNo…"))
    return out


def _by_class(doc: ApplyDocument, mode: ValidationMode) -> list[Finding]:
    code = doc.attr("Patient/PatientClass", "code")
    who, who_en, required = CLASS_REQUIRED.get(code, ("", "", ()))
    return [RULES.finding("SYNINFO-CLASS-REQUIRED", mode=mode, path=f"{ROOT}/{path}", element=path.split("/")[-1],
                          who=who, who_en=who_en, code=code)
            for path in required if not doc.text(path)]


def _lengths(doc: ApplyDocument) -> list[Finding]:
    out = []
    for path, (table, why, why_en) in LENIENT_LENGTHS.items():
        value = doc.text(path)
        if len(value) > table:
            out.append(RULES.finding("SYNINFO-TABLE-LENGTH", path=f"{ROOT}/{path}", element=path.split("/")[-1],
                                     length=len(value), table=table, limit=32, why=why, why_en=why_en))
    return out


def _hospital(doc: ApplyDocument) -> list[Finding]:
    if doc.institution is None:
        return []
    code = identity.regional_code(doc.institution)
    out = [RULES.finding("SYNINFO-ID-PREFIX", path=f"{ROOT}/{path}", element=path.split("/")[-1], value=value,
                         prefix=f"{code}_")
           for path in ("Patient/SickNo", "Exam/ApplyNo") if (value := doc.text(path)) and not value.startswith(f"{code}_")]
    for path in ("Exam/HospitalName", "Exam/ReqHospital"):
        given = doc.attr(path, "code")
        if given and given != code:
            out.append(RULES.finding("SYNINFO-HOSPITAL-CODE", path=f"{ROOT}/{path}/@code", element=path.split("/")[-1],
                                     code=given, expected=code))
    return out
