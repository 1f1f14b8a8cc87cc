"""The configured demo institutions as data-generator institutions, and rows ready to post.

The config names the institutions the sandbox issues credentials to; the generator
needs a few more facts about them (address, phone, district), drawn deterministically
from the seed and the institution's city.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from reference.config import Config, InstitutionConfig
from sim.fakedata import Institution, make_index_rows
from sim.fakedata.index_rows import default_links
from sim.fakedata.institutions import city, rng


def as_generator_institution(config: Config, inst: InstitutionConfig) -> Institution:
    prefecture = city(inst.admdvs[:4] + "00")
    stream = rng(config.seed, "demo-institution", inst.code)
    return Institution(
        code=inst.code,
        name=inst.name,
        admdvs=inst.admdvs,
        uscc=inst.uscc,
        hosp_lv=inst.hosp_lv,
        kind="imaging_centre" if inst.kind == "imaging_centre" else "hospital",
        address=(f"{prefecture.province}{prefecture.name}"
                 f"{stream.choice(('人民路', '解放路', '中山路'))}{stream.randint(1, 300)}号"),
        phone=f"{prefecture.area_code}-{stream.randint(2000000, 8999999)}",
        district=inst.admdvs,
        postcode=prefecture.postcode,
    )


def centre_for(config: Config, code: str | None) -> InstitutionConfig:
    """The named imaging centre, or the first configured one."""
    centres = [i for i in config.institutions if i.kind == "imaging_centre"]
    if code is not None:
        match = config.institution(code)
        if match is None or match.kind != "imaging_centre":
            raise KeyError(f"{code!r} is not a configured imaging centre")
        return match
    if not centres:
        raise KeyError("the config names no imaging centre")
    return centres[0]


def demo_index_rows(config: Config, n: int, *, on: date, seed: int | None = None,
                    centre: str | None = None) -> tuple[InstitutionConfig, list[dict[str, Any]]]:
    """``n`` valid ``saveExamRpotImgIndx`` rows stored by a demo centre, of demo hospitals' exams."""
    centre_cfg = centre_for(config, centre)
    hospitals = [as_generator_institution(config, i) for i in config.institutions if i.kind == "hospital"]
    rows = make_index_rows(
        config.seed if seed is None else seed, n,
        centre=as_generator_institution(config, centre_cfg), hospitals=hospitals, on=on,
        links=lambda exam: default_links(exam, config.public_url),
    )
    return centre_cfg, rows
