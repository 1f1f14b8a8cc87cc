"""Simulated hospitals and imaging centres, plus the generator's seeding helpers.

Every generated item gets its own random stream derived from the caller's seed, the kind of
item and its index (``rng(seed, "institution", kind, i)``), so item ``i`` is the same whatever
``n`` is and the same seed always gives the same data.  Identifiers that must be unique within
one call (institution serials, accession numbers ...) come from :func:`serial`, a per-seed
permutation of the index, so they never collide for indexes below ``10**digits``.

Institution codes follow our reading of the NHSA coding (``reference.validators.codes``):
``H`` + 6-digit admdvs + 5-digit serial for hospitals.  Imaging centres use ``S`` + admdvs +
serial (the seeds' sample ``infCode`` is ``S255151515``; the letter is sandbox-chosen).
USCCs are built with :func:`reference.validators.uscc.make` (GB 32100-2015).
"""

from __future__ import annotations

import functools
import hashlib
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from faker import Faker

from reference.validators import uscc as uscc_mod

__all__ = [
    "City",
    "CITIES",
    "Institution",
    "InstitutionKind",
    "city",
    "rng",
    "faker",
    "serial",
    "stable_int",
    "make_institution",
    "make_institutions",
    "cities_near",
]

InstitutionKind = Literal["hospital", "imaging_centre"]


# --- seeding helpers ---------------------------------------------------------------


def rng(seed: object, *parts: object) -> random.Random:
    """A random stream for one item: seeded by ``"seed:part1:part2..."`` (str seeding is
    SHA-512 based, hence stable across processes and PYTHONHASHSEED values)."""
    return random.Random(":".join(str(p) for p in (seed, *parts)))


_FAKERS = threading.local()


def faker(seed: object, *parts: object) -> Faker:
    """The thread's zh_CN Faker, re-seeded for one item (used for personal names)."""
    fake = getattr(_FAKERS, "fake", None)
    if fake is None:
        fake = _FAKERS.fake = Faker("zh_CN")
    fake.seed_instance(":".join(str(p) for p in (seed, *parts)))
    return fake


def stable_int(*parts: object, digits: int = 12) -> int:
    """A non-negative integer below ``10**digits`` derived from ``parts`` (SHA-256)."""
    text = ":".join(str(p) for p in parts).encode()
    return int(hashlib.sha256(text).hexdigest(), 16) % 10**digits


def serial(seed: object, kind: str, i: int, digits: int) -> int:
    """``(a*i + b) mod 10**digits`` with per-(seed, kind) ``a`` coprime to 10: distinct for
    ``0 <= i < 10**digits`` and independent of how many items are generated."""
    modulus = 10**digits
    stream = rng(seed, "serial", kind)
    a = stream.randrange(1, modulus)
    while a % 2 == 0 or a % 5 == 0:
        a = stream.randrange(1, modulus)
    return (a * i + stream.randrange(modulus)) % modulus


# --- cities (GB/T 2260 prefecture-level codes with some of their districts) --------


@dataclass(frozen=True)
class City:
    """A prefecture-level city: its admdvs, names, telephone area code and postcode."""

    admdvs: str
    name: str
    province: str  # "" for the four municipalities
    area_code: str
    postcode: str
    districts: tuple[tuple[str, str], ...]  # (GB/T 2260 county-level code, name)

    @property
    def full_name(self) -> str:
        return f"{self.province}{self.name}"


def _city(admdvs: str, name: str, province: str, area: str, post: str, districts: str) -> City:
    pairs = tuple(tuple(item.split(":")) for item in districts.split())
    return City(admdvs, name, province, area, post, pairs)  # type: ignore[arg-type]


# Source: GB/T 2260 administrative division codes (current codes; the four municipalities
# use their 0100 "市辖区" code as the city admdvs).  Area codes and postcodes: China Telecom
# long-distance codes and China Post postcode prefixes of the city seat.
CITIES: Final[tuple[City, ...]] = (
    _city("110100", "北京市", "", "010", "100000",
          "110101:东城区 110102:西城区 110105:朝阳区 110106:丰台区 110108:海淀区"),
    _city("120100", "天津市", "", "022", "300000",
          "120101:和平区 120102:河东区 120103:河西区 120104:南开区"),
    _city("310100", "上海市", "", "021", "200000",
          "310101:黄浦区 310104:徐汇区 310105:长宁区 310106:静安区 310115:浦东新区"),
    _city("500100", "重庆市", "", "023", "400000",
          "500103:渝中区 500105:江北区 500106:沙坪坝区 500108:南岸区"),
    _city("130100", "石家庄市", "河北省", "0311", "050000",
          "130102:长安区 130104:桥西区 130105:新华区 130108:裕华区"),
    _city("140100", "太原市", "山西省", "0351", "030000",
          "140105:小店区 140106:迎泽区 140107:杏花岭区 140109:万柏林区"),
    _city("210100", "沈阳市", "辽宁省", "024", "110000",
          "210102:和平区 210103:沈河区 210104:大东区 210105:皇姑区"),
    _city("220100", "长春市", "吉林省", "0431", "130000",
          "220102:南关区 220103:宽城区 220104:朝阳区 220105:二道区 220106:绿园区"),
    _city("220200", "吉林市", "吉林省", "0432", "132000",
          "220202:昌邑区 220203:龙潭区 220204:船营区 220211:丰满区"),
    _city("230100", "哈尔滨市", "黑龙江省", "0451", "150000",
          "230102:道里区 230103:南岗区 230104:道外区 230108:平房区"),
    _city("320100", "南京市", "江苏省", "025", "210000",
          "320102:玄武区 320104:秦淮区 320105:建邺区 320106:鼓楼区"),
    _city("330100", "杭州市", "浙江省", "0571", "310000",
          "330102:上城区 330105:拱墅区 330106:西湖区 330108:滨江区"),
    _city("340100", "合肥市", "安徽省", "0551", "230000",
          "340102:瑶海区 340103:庐阳区 340104:蜀山区 340111:包河区"),
    _city("350100", "福州市", "福建省", "0591", "350000",
          "350102:鼓楼区 350103:台江区 350104:仓山区 350111:晋安区"),
    _city("370100", "济南市", "山东省", "0531", "250000",
          "370102:历下区 370103:市中区 370104:槐荫区 370105:天桥区 370112:历城区"),
    _city("370200", "青岛市", "山东省", "0532", "266000",
          "370202:市南区 370203:市北区 370211:黄岛区 370212:崂山区"),
    _city("410100", "郑州市", "河南省", "0371", "450000",
          "410102:中原区 410103:二七区 410104:管城回族区 410105:金水区"),
    _city("420100", "武汉市", "湖北省", "027", "430000",
          "420102:江岸区 420103:江汉区 420104:硚口区 420106:武昌区"),
    _city("430100", "长沙市", "湖南省", "0731", "410000",
          "430102:芙蓉区 430103:天心区 430104:岳麓区 430105:开福区"),
    _city("440100", "广州市", "广东省", "020", "510000",
          "440103:荔湾区 440104:越秀区 440105:海珠区 440106:天河区"),
    _city("510100", "成都市", "四川省", "028", "610000",
          "510104:锦江区 510105:青羊区 510106:金牛区 510107:武侯区 510108:成华区"),
    _city("510800", "广元市", "四川省", "0839", "628000",
          "510802:利州区 510811:昭化区 510812:朝天区 510821:旺苍县 510822:青川县 510823:剑阁县 510824:苍溪县"),
    _city("530100", "昆明市", "云南省", "0871", "650000",
          "530102:五华区 530103:盘龙区 530111:官渡区 530112:西山区"),
    _city("610100", "西安市", "陕西省", "029", "710000",
          "610102:新城区 610103:碑林区 610104:莲湖区 610113:雁塔区"),
    _city("620100", "兰州市", "甘肃省", "0931", "730000",
          "620102:城关区 620103:七里河区 620104:西固区 620105:安宁区"),
)

_BY_ADMDVS: Final = {c.admdvs: c for c in CITIES}


def city(admdvs: str) -> City:
    """The :class:`City` of a prefecture admdvs from :data:`CITIES` (``KeyError`` otherwise)."""
    try:
        return _BY_ADMDVS[admdvs]
    except KeyError:
        raise KeyError(f"admdvs {admdvs!r} is not in sim.fakedata.institutions.CITIES") from None


ROADS: Final = (
    "人民路", "解放路", "中山路", "建设路", "和平路", "文化路", "胜利路", "新华路", "东风路",
    "长江路", "黄河路", "友谊路", "朝阳路", "青年路", "光明路", "幸福路", "滨河路", "迎宾大道",
    "南河路", "健康路", "公园路", "工农路", "体育路", "滨江路",
)

# --- institutions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Institution:
    """A hospital (定点医疗机构) or an imaging centre (地方影像云数据共享中心 / 影像中心).

    ``admdvs`` is the prefecture-level medical-insurance division (examAdmdvs);
    ``district`` the GB/T 2260 county-level code where it stands.
    """

    code: str
    name: str
    admdvs: str
    uscc: str
    hosp_lv: str
    kind: InstitutionKind
    address: str
    phone: str
    district: str
    postcode: str


# (name template, level, ownership, hosp_lv choices, weight); level "city" registers with the
# prefecture, "district" with the county; ownership: public 12 (机构编制/事业单位),
# private_np 52 (民政/民办非企业单位), private_co 91 (工商/企业).
_HOSPITAL_TEMPLATES: Final = (
    ("{city}第一人民医院", "city", "public", ("02", "03"), 8),
    ("{city}第二人民医院", "city", "public", ("03", "05"), 5),
    ("{city}第三人民医院", "city", "public", ("03", "05"), 3),
    ("{city}中心医院", "city", "public", ("02",), 6),
    ("{city}中医医院", "city", "public", ("02", "03"), 5),
    ("{city}妇幼保健院", "city", "public", ("03", "05"), 3),
    ("{city}肿瘤医院", "city", "public", ("02", "03"), 2),
    ("{city}骨科医院", "city", "public", ("03", "05"), 2),
    ("{district}人民医院", "district", "public", ("03", "05", "06"), 8),
    ("{district}中医医院", "district", "public", ("05", "06"), 4),
    ("{district}第二人民医院", "district", "public", ("05", "06", "13"), 2),
    ("{city}{brand}医院", "city", "private_np", ("06", "11", "13"), 3),
    ("{city}{brand}医院", "city", "private_co", ("06", "11", "13"), 2),
    ("{city}{brand}骨科医院", "city", "private_co", ("11", "13"), 1),
)
_CENTRE_TEMPLATES: Final = (
    ("{city}医保影像云数据共享中心", "city", "public", ("11",), 5),
    ("{city}区域医学影像中心", "city", "public", ("11",), 3),
    ("{city}{brand}医学影像诊断中心", "city", "private_co", ("11",), 2),
)
_BRANDS: Final = ("仁爱", "博爱", "康华", "瑞康", "德济", "华康", "和美", "安康", "同济", "明德", "康宁", "永安")
_USCC_KIND: Final = {"public": ("1", "2"), "private_np": ("5", "2"), "private_co": ("9", "1")}
# GB 32100 character set without the letters used as fixed prefixes below.
_ALNUM: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _org_code_body(stream: random.Random, ownership: str) -> str:
    """8-character GB 11714 body in the style of each registry (事业单位 4xxxxxxx,
    社会组织 MJxxxxxx, post-2015 enterprises MAxxxxxx)."""
    if ownership == "public":
        return "4" + "".join(stream.choices("0123456789", k=7))
    prefix = "MJ" if ownership == "private_np" else "MA"
    return prefix + "".join(stream.choices(_ALNUM, k=6))


@functools.cache
def _name_candidates(seed: object, kind: InstitutionKind, admdvs: str) -> tuple[tuple, ...]:
    """Every name template x district x brand of one city, in a seed-specific order drawn
    by weighted shuffling (Efraimidis-Spirakis), so the first institutions of a city tend to
    be its big public hospitals and no name repeats within one city."""
    where = city(admdvs)
    templates = _HOSPITAL_TEMPLATES if kind == "hospital" else _CENTRE_TEMPLATES
    stream = rng(seed, "institution-names", kind, admdvs)
    keyed = []
    for template in templates:
        districts = where.districts if "{district}" in template[0] else ((None, None),)
        brands = _BRANDS if "{brand}" in template[0] else (None,)
        weight = template[-1] / (len(districts) * len(brands))
        for district in districts:
            for brand in brands:
                keyed.append((stream.random() ** (1 / weight), (template, district, brand)))
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    seen: set[str] = set()
    ordered = []
    for _key, (template, district, brand) in keyed:
        name = template[0].format(city=where.name, district=district[1], brand=brand)
        if name not in seen:  # "{city}{brand}医院" exists for two ownerships
            seen.add(name)
            ordered.append((template, district, brand, name))
    return tuple(ordered)


def _landline(stream: random.Random, where: City) -> str:
    digits = 8 if len(where.area_code) == 3 else 7
    first = str(stream.randint(2, 8))
    return f"{where.area_code}-{first}{''.join(stream.choices('0123456789', k=digits - 1))}"


@functools.lru_cache(maxsize=4096)
def _drawn_city(seed: object, kind: str, i: int) -> City:
    return rng(seed, "institution-city", kind, i).choice(CITIES)


def make_institution(
    seed: object, i: int, kind: InstitutionKind = "hospital", *, admdvs: str | None = None
) -> Institution:
    """Item ``i`` of :func:`make_institutions` (the same whatever ``n`` is)."""
    stream = rng(seed, "institution", kind, i)
    where = city(admdvs) if admdvs else _drawn_city(seed, kind, i)
    # The position among the city's names is the number of earlier items in the same city,
    # so names do not repeat within a city (until its candidates are used up).
    position = i if admdvs else sum(_drawn_city(seed, kind, j) is where for j in range(i))
    candidates = _name_candidates(seed, kind, where.admdvs)
    (_template, level, ownership, levels, _weight), district, _brand, name = candidates[
        position % len(candidates)
    ]
    district_code, district_name = district if district[0] else stream.choice(where.districts)
    dept, org_type = _USCC_KIND[ownership]
    registered_at = where.admdvs if level == "city" else district_code
    uscc = uscc_mod.make(dept, org_type, registered_at, _org_code_body(stream, ownership))
    letter = "H" if kind == "hospital" else "S"
    code = f"{letter}{where.admdvs}{serial(seed, f'institution:{kind}', i, 5):05d}"
    road = stream.choice(ROADS)
    address = f"{where.full_name}{district_name}{road}{stream.randint(1, 399)}号"
    postcode = where.postcode[:4] + f"{stream.randint(0, 39):02d}"
    return Institution(
        code=code,
        name=name,
        admdvs=where.admdvs,
        uscc=uscc,
        hosp_lv=stream.choice(levels),
        kind=kind,
        address=address,
        phone=_landline(stream, where),
        district=district_code,
        postcode=postcode,
    )


def make_institutions(
    seed: object, n: int, kind: InstitutionKind = "hospital", *, admdvs: str | None = None
) -> list[Institution]:
    """``n`` institutions of ``kind``; all in one city when ``admdvs`` (a :data:`CITIES`
    prefecture code) is given, otherwise each in a city drawn from :data:`CITIES`."""
    if kind not in ("hospital", "imaging_centre"):
        raise ValueError(f"kind must be 'hospital' or 'imaging_centre', not {kind!r}")
    return [make_institution(seed, i, kind, admdvs=admdvs) for i in range(n)]


def cities_near(admdvs: str) -> Sequence[City]:
    """Cities of the same province as ``admdvs`` (the city itself first)."""
    home = city(admdvs)
    return [home] + [c for c in CITIES if c.province == home.province and c is not home and c.province]
