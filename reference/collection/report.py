"""The report of seeds/001 §4.1 (影像诊断报告信息): one row of the hospital's view
``View_Pacs_Text_Info`` (方式一) and one item of its HTTP report pull (方式二).

001's field table for §4.1 was lost from the document; INTERFACES.md §4 decides the fields:
the seeds/000 index-row fields that describe a report (patient, exam, report text, doctors,
dates, result code) — named as 000 names them, except where 001 §5 names a dictionary of its
own (``sex``, ``patientType``, ``chargeType``: the lost table's names) — plus ``examNo`` (the
exam's unique number, 检查唯一号), ``accessionNo``, ``studyUid``, the four time columns the
pull's ``type`` selects on, the report PDF and the images' WADO-URI links (§4.2 方式二).
``openapi/hospital-pacs.yaml`` (schema ``Report``) holds the same fields with their lengths and
dictionaries; the hospital's migration creates the view with these columns, in this order.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import Column, Date, DateTime, MetaData, Numeric, String, Table, Text
from sqlalchemy.sql.elements import quoted_name

from reference.config import Config

VIEW_NAME: Final = "View_Pacs_Text_Info"
#: 001 §4.1.2.1: type 1 examined (检查时间), 2 refunded (项目退费时间), 3 audited (审核时间),
#: 4 report last modified (修改时间) — each selects on its own time column.
TIME_COLUMNS: Final = {"1": "examTime", "2": "refundTime", "3": "auditTime", "4": "modifyTime"}
#: how the view holds ``imageUrls`` (a list in the HTTP reply): the links joined by this
IMAGE_URL_SEPARATOR: Final = "|"
TIME_FORMAT: Final = "%Y-%m-%d %H:%M:%S"

#: (field, 中文名, kind, length): kind str | text | datetime | date | number | links
FIELDS: Final = (
    ("examNo", "检查唯一号", "str", 50),
    ("accessionNo", "检查号", "str", 50),
    ("studyUid", "检查实例UID", "str", 64),
    ("hiImgIndx", "医保影像云索引号", "str", 100),
    ("fixmedinsCode", "定点医药机构代码", "str", 30),
    ("fixmedinsName", "定点医药机构名称", "str", 255),
    ("patnId", "病人ID", "str", 64),
    ("psnName", "人员姓名", "str", 50),
    ("psnCertType", "人员证件类型", "str", 6),
    ("certno", "证件号码", "str", 50),
    ("sex", "性别", "str", 6),
    ("brdy", "出生日期", "date", 0),
    ("age", "年龄", "number", 0),
    ("tel", "联系电话", "str", 50),
    ("prfs", "职业", "str", 6),
    ("patientType", "患者类型", "str", 6),
    ("chargeType", "费用类型", "str", 6),
    ("iptNo", "住院号", "str", 30),
    ("imgExamType", "影像检查类型", "str", 20),
    ("modality", "检查模式", "str", 16),
    ("examItemCode", "检查项目代码", "str", 30),
    ("imgExamItem", "检查项目名称", "str", 100),
    ("examPart", "检查部位代码", "str", 500),
    ("examWay", "检查方式", "str", 50),
    ("examDeptName", "检查科室", "str", 50),
    ("examDrCode", "检查医生代码", "str", 50),
    ("examDrName", "检查医生姓名", "str", 50),
    ("examInseqi", "成像设备代码", "str", 500),
    ("devName", "设备名称", "str", 200),
    ("appyNo", "申请单号", "str", 50),
    ("appyDeptName", "申请科室名称", "str", 50),
    ("appyDate", "申请日期", "datetime", 0),
    ("bilgDrCode", "开单医师代码", "str", 50),
    ("bilgDrName", "开单医师姓名", "str", 50),
    ("clncDiag", "临床诊断", "text", 0),
    ("imgDscr", "影像描述", "str", 3000),
    ("diagRslt", "诊断结果", "str", 3000),
    ("examRsltCode", "检查结果代码", "str", 6),
    ("rpotAdv", "报告建议", "str", 500),
    ("rpotCritVal", "报告临界值", "str", 500),
    ("rpotNo", "报告编号", "str", 50),
    ("rpotDrName", "报告医师姓名", "str", 50),
    ("chkDrName", "审核医师姓名", "str", 50),
    ("examTime", "检查时间", "datetime", 0),
    ("rpotDate", "报告日期", "datetime", 0),
    ("auditTime", "审核时间", "datetime", 0),
    ("modifyTime", "报告最终修改时间", "datetime", 0),
    ("refundTime", "项目退费时间", "datetime", 0),
    ("reportPdfUrl", "报告PDF地址", "str", 500),
    ("imageUrls", "影像文件地址", "links", 0),
)
NAMES: Final = tuple(f[0] for f in FIELDS)


def sql_type(kind: str, length: int) -> Any:
    """The SQL type of a report field of ``kind``."""
    return {"str": String(length or 255), "text": Text(), "datetime": DateTime(), "date": Date(),
            "number": Numeric(5, 1), "links": Text()}[kind]


def view_table(metadata: MetaData | None = None) -> Table:
    """The view as readers select from it.  Its name is written unquoted, so PostgreSQL folds it
    as ``SELECT * FROM View_Pacs_Text_Info`` in psql does; the columns keep their case."""
    return Table(quoted_name(VIEW_NAME, quote=False), metadata or MetaData(),
                 *(Column(name, sql_type(kind, length)) for name, _, kind, length in FIELDS))


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime(TIME_FORMAT)
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.isoformat()
    return value


def from_view_row(row: dict[str, Any]) -> dict[str, Any]:
    """A view row as the HTTP pull sends the report: datetimes ``yyyy-MM-dd HH:mm:ss``, dates
    ``yyyy-MM-dd``, ``imageUrls`` a list; NULL columns left out."""
    out: dict[str, Any] = {}
    for name in NAMES:
        value = row.get(name)
        if value is None or value == "":
            continue
        if name == "imageUrls":
            out[name] = [link for link in str(value).split(IMAGE_URL_SEPARATOR) if link]
        elif name == "age":
            out[name] = float(value)
        else:
            out[name] = _text(value)
    return out


def hospital_database_url(config: Config) -> str:
    """Where the (simulated) hospital party keeps its database: ``parties.hospital.database_url``,
    or SQLite at ``<home>/hospital.db``."""
    return config.parties["hospital"].database_url or f"sqlite:///{(config.home / 'hospital.db').resolve()}"
