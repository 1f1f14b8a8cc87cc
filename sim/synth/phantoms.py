"""Deterministic synthetic anatomy and the images each modality makes of it.

One analytic 3-D model of a body (head to pelvis, optionally arms and legs) and one of a
knee are lists of primitives in DICOM patient coordinates (mm; x to the patient's left,
y posterior, z superior; the vertex is at z = 0).  Primitives are painted in order, a later
one replacing what lies beneath it:

- sections (CT, MR, PET) label every pixel of an axis-aligned plane, then map labels to
  Hounsfield units, MR signal per weighting or FDG uptake;
- projections (DX, CR, CT topograms, NM whole-body scans) add, per primitive, the chord
  length through it times the difference between its coefficient and its parent's.

Ultrasound and mammography are drawn in 2-D.  Texture is a smooth noise field that varies
smoothly with the slice position, plus per-image noise; every random number comes from a
``numpy.random.Generator`` seeded by a SHA-256 of the caller's key, so the same key gives
the same pixels.  Sizes and grey values are plausible, not anatomical truth.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Final

import numpy as np
from PIL import Image

__all__ = [
    "CT_TABLES",
    "MR_TABLES",
    "Ellipsoid",
    "Frame",
    "Plane",
    "Subject",
    "Tube",
    "body_model",
    "bone_scan",
    "ct_slice",
    "generator",
    "knee_model",
    "mammogram",
    "mr_slice",
    "pet_slice",
    "project",
    "radiograph",
    "series_frames",
    "slice_labels",
    "ultrasound",
]

# --- tissue labels and their values per imaging method ---------------------------------

(AIR, FAT, SOFT, GM, WM, CSF, BONE, MARROW, LUNG, BLOOD, ARTERY, MYO, LIVER, SPLEEN, KIDNEY,
 FLUID, DISC, NUCLEUS, CORD, CARTILAGE, LIGAMENT, GAS, PANCREAS, THYROID, GLAND, LESION,
 CYST, BOWEL, URINE) = range(29)
_N: Final = 32


def _table(default: float, values: dict[int, float], base: np.ndarray | None = None) -> np.ndarray:
    out = np.full(_N, default, np.float32) if base is None else base.copy()
    for label, value in values.items():
        out[label] = value
    return out


# Hounsfield units (plain scan) and the contrast phases that change them.
_CT_PLAIN: Final = _table(40, {
    AIR: -1000, FAT: -100, SOFT: 50, GM: 38, WM: 27, CSF: 6, BONE: 1150, MARROW: 260,
    LUNG: -860, BLOOD: 42, ARTERY: 42, MYO: 45, LIVER: 60, SPLEEN: 50, KIDNEY: 32, FLUID: 8,
    DISC: 85, NUCLEUS: 70, CORD: 35, CARTILAGE: 110, LIGAMENT: 85, GAS: -990, PANCREAS: 45,
    THYROID: 110, GLAND: 30, LESION: 38, CYST: 12, BOWEL: 28, URINE: 8,
})
CT_TABLES: Final = {
    "plain": _CT_PLAIN,
    "arterial": _table(0, {ARTERY: 330, BLOOD: 150, MYO: 120, KIDNEY: 180, SPLEEN: 125,
                           PANCREAS: 110, LIVER: 72, LESION: 115, BOWEL: 55, THYROID: 160}, _CT_PLAIN),
    "portal": _table(0, {ARTERY: 170, BLOOD: 165, MYO: 100, KIDNEY: 170, SPLEEN: 120,
                         PANCREAS: 95, LIVER: 112, LESION: 70, BOWEL: 50}, _CT_PLAIN),
    "delay": _table(0, {ARTERY: 100, BLOOD: 100, MYO: 80, KIDNEY: 115, SPLEEN: 90, LIVER: 88,
                        LESION: 80, URINE: 260}, _CT_PLAIN),
    "cta": _table(0, {ARTERY: 420, BLOOD: 300, MYO: 110, KIDNEY: 150, SPLEEN: 110, LIVER: 80,
                      LESION: 90, THYROID: 160}, _CT_PLAIN),
}
_CT_TEXTURE: Final = _table(4, {AIR: 0, GAS: 0, FAT: 10, LUNG: 35, BONE: 90, MARROW: 70,
                                LIVER: 5, BOWEL: 25, GLAND: 15, SOFT: 7})

# MR signal (arbitrary units, 12-bit) per weighting; sandbox values with the usual contrasts.
_T2: Final = _table(300, {
    AIR: 0, FAT: 900, SOFT: 330, GM: 1150, WM: 820, CSF: 2300, BONE: 25, MARROW: 800, LUNG: 30,
    BLOOD: 60, ARTERY: 40, MYO: 380, LIVER: 420, SPLEEN: 900, KIDNEY: 1050, FLUID: 2400,
    DISC: 500, NUCLEUS: 1700, CORD: 750, CARTILAGE: 950, LIGAMENT: 60, GAS: 0, PANCREAS: 600,
    THYROID: 900, GLAND: 700, LESION: 1100, CYST: 2100, BOWEL: 700, URINE: 2400,
})
MR_TABLES: Final = {
    "t2": _T2,
    "t2fs": _table(0, {FAT: 160, MARROW: 180}, _T2),
    "t1": _table(400, {
        AIR: 0, FAT: 1700, SOFT: 620, GM: 700, WM: 960, CSF: 260, BONE: 25, MARROW: 1350,
        LUNG: 30, BLOOD: 80, ARTERY: 60, MYO: 650, LIVER: 950, SPLEEN: 640, KIDNEY: 660,
        FLUID: 220, DISC: 520, NUCLEUS: 560, CORD: 820, CARTILAGE: 720, LIGAMENT: 70, GAS: 0,
        PANCREAS: 900, THYROID: 800, GLAND: 650, LESION: 600, CYST: 240, BOWEL: 500, URINE: 220,
    }),
    "flair": _table(0, {CSF: 120, GM: 1050, WM: 780, FAT: 950, CYST: 1500, LESION: 1300, FLUID: 150}, _T2),
    "pdfs": _table(0, {FAT: 230, MARROW: 260, FLUID: 1900, CARTILAGE: 1150, SOFT: 560,
                       LIGAMENT: 50, BONE: 20, LESION: 1500}, _T2),
    "stir": _table(0, {FAT: 110, MARROW: 150, FLUID: 2300, NUCLEUS: 1500, SOFT: 300}, _T2),
    "dwi": _table(70, {AIR: 0, GAS: 0, BONE: 10, GM: 520, WM: 470, CSF: 90, FAT: 60, CORD: 400,
                       LESION: 1300, CYST: 1200, SPLEEN: 600, KIDNEY: 500}),
    "tof": _table(260, {AIR: 0, GAS: 0, BONE: 20, ARTERY: 2000, BLOOD: 150, FAT: 520, CSF: 120,
                        GM: 330, WM: 380, FLUID: 110}),
    "mrcp": _table(25, {AIR: 0, GAS: 0, BONE: 0, FLUID: 2600, CSF: 2200, URINE: 2500, CYST: 2400,
                        BOWEL: 700, SPLEEN: 80, KIDNEY: 90, NUCLEUS: 400, DISC: 40}),
}
MR_TABLES["t1c"] = _table(0, {ARTERY: 1400, BLOOD: 1200, KIDNEY: 1300, SPLEEN: 1200, LIVER: 1150,
                              LESION: 1500, MYO: 1000, THYROID: 1200}, MR_TABLES["t1"])
MR_TABLES["localizer"] = MR_TABLES["t1"]
MR_TABLES["pd"] = _table(0, {FAT: 1300, MARROW: 1200}, MR_TABLES["pdfs"])
_MR_TEXTURE: Final = _table(0.04, {AIR: 0, GAS: 0, FAT: 0.05, MARROW: 0.06, GLAND: 0.15, LIVER: 0.04,
                                   GM: 0.08, WM: 0.05, SOFT: 0.08})

# Linear X-ray attenuation (1/mm, ~70 keV) for projections.
XRAY: Final = _table(0.021, {AIR: 0, GAS: 0, FAT: 0.018, LUNG: 0.0055, BONE: 0.062,
                             MARROW: 0.032, CARTILAGE: 0.023, THYROID: 0.024})
# FDG standardised uptake values.
SUV: Final = _table(0.8, {AIR: 0, GAS: 0, FAT: 0.3, SOFT: 0.7, GM: 9.0, WM: 3.0, CSF: 0.3,
                          BONE: 0.4, MARROW: 1.3, LUNG: 0.35, BLOOD: 1.8, ARTERY: 1.8, MYO: 5.5,
                          LIVER: 2.3, SPLEEN: 1.9, KIDNEY: 4.0, FLUID: 0.5, THYROID: 1.5,
                          LESION: 9.0, CYST: 0.4, BOWEL: 1.6, URINE: 28.0, GLAND: 1.0})
# Tc-99m MDP uptake per mm (bone scan).
MDP: Final = _table(0.0012, {AIR: 0, GAS: 0, FAT: 0.0006, LUNG: 0.0003, BONE: 0.05, MARROW: 0.02,
                             CARTILAGE: 0.004, KIDNEY: 0.012, URINE: 0.06, LESION: 0.25})


# --- seeded randomness -------------------------------------------------------------------


def generator(*parts: object) -> np.random.Generator:
    """A numpy Generator seeded by the SHA-256 of ``parts`` (stable across processes)."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode("utf-8")).digest()
    return np.random.default_rng(np.frombuffer(digest, dtype="<u4").tolist())


# --- primitives --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Ellipsoid:
    """``((x'/a)^2 + (y'/b)^2 + |z/c|^pz) <= 1`` with x', y' rotated by ``angle`` (degrees)
    about z.  ``pz`` > 2 flattens the ends (a trunk)."""

    center: tuple[float, float, float]
    semi: tuple[float, float, float]
    label: int
    parent: int = SOFT
    angle: float = 0.0
    pz: float = 2.0

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        ext = np.asarray(_extent(self))
        return np.asarray(self.center) - ext, np.asarray(self.center) + ext


@dataclass(frozen=True, eq=False)
class Tube:
    """A chain of capsules of one radius through ``points`` (n x 3)."""

    points: np.ndarray
    radius: float
    label: int
    parent: int = SOFT

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return self.points.min(axis=0) - self.radius, self.points.max(axis=0) + self.radius


Primitive = Ellipsoid | Tube


def _e(center: Sequence[float], semi: Sequence[float], label: int, parent: int = SOFT,
       angle: float = 0.0, pz: float = 2.0) -> Ellipsoid:
    cx, cy, cz = map(float, center)
    a, b, c = map(float, semi)
    return Ellipsoid((cx, cy, cz), (a, b, c), label, parent, angle, pz)


def _t(points: Sequence[Sequence[float] | np.ndarray], radius: float, label: int, parent: int = SOFT) -> Tube:
    return Tube(np.asarray(points, dtype=np.float64), float(radius), label, parent)


def _mirror(points: Sequence[Sequence[float]], side: int) -> list[tuple[float, float, float]]:
    return [(side * p[0], p[1], p[2]) for p in points]


# --- the body ----------------------------------------------------------------------------

# Vertebral levels: name, z of the body's centre, height, half-width, half-depth (mm).
_LEVELS: Final = tuple(
    [(f"C{k}", -205.0 - 16 * (k - 2), 11.0, 15.0, 11.0) for k in range(2, 8)]
    + [(f"T{k}", -305.0 - 24 * (k - 1), 18.0, 16 + 0.5 * k, 14 + 0.35 * k) for k in range(1, 13)]
    + [(f"L{k}", -600.0 - 34 * (k - 1), 25.0, 23 + 0.8 * k, 17 + 0.4 * k) for k in range(1, 6)]
)
_SPINE_Z: Final = (-190.0, -290.0, -420.0, -560.0, -640.0, -740.0, -800.0)
_SPINE_Y: Final = (12.0, 22.0, 45.0, 42.0, 30.0, 32.0, 50.0)


def spine_y(z: float) -> float:
    """The y of the vertebral bodies' centres at height z (the spine's curves)."""
    return float(np.interp(-z, [-v for v in _SPINE_Z], _SPINE_Y))


def disc_levels() -> list[tuple[str, float]]:
    """(name, z) of each intervertebral disc, C2/3 to L5/S1."""
    out = []
    for (n1, z1, h1, *_), (n2, z2, h2, *_) in pairwise(_LEVELS):
        out.append((f"{n1}/{n2}", (z1 - h1 / 2 + z2 + h2 / 2) / 2))
    n5, z5, h5, *_ = _LEVELS[-1]
    out.append(("L5/S1", z5 - h5 / 2 - 6))
    return out


def _spine() -> list[Primitive]:
    parts: list[Primitive] = []
    canal: list[tuple[float, float, float]] = []
    bodies = list(_LEVELS) + [("S1", -800.0, 30.0, 30.0, 20.0)]
    for (_n1, z, h, sx, sy), (_n2, z2, h2, sx2, sy2) in pairwise(bodies):  # discs
        gap_top, gap_bottom = z - h / 2, z2 + h2 / 2
        zc, half = (gap_top + gap_bottom) / 2, (gap_top - gap_bottom) / 2 + 1.5
        ys = spine_y(zc)
        parts.append(_e((0, ys, zc), ((sx + sx2) / 2, (sy + sy2) / 2, half), DISC, pz=4))
        parts.append(_e((0, ys + 1, zc), (0.5 * sx, 0.45 * sy, 0.65 * half), NUCLEUS, DISC, pz=4))
    for name, z, h, sx, sy in _LEVELS:
        y = spine_y(z)
        r_canal = 9.0 if name[0] == "C" else 7.0 if name[0] == "T" else 10.0
        yc = y + sy + r_canal + 2
        canal.append((0.0, yc, z))
        parts.append(_e((0, y, z), (sx, sy, h / 2), BONE, pz=5))
        parts.append(_e((0, y, z), (sx - 2, sy - 2, h / 2 - 1.5), MARROW, BONE, pz=5))
        for side in (-1, 1):  # pedicles / laminae and transverse processes
            parts.append(_e((side * (r_canal + 3.5), yc, z + 1), (4.5, r_canal + 5, 0.38 * h), BONE))
            span = 10.0 if name[0] == "C" else 16.0 if name[0] == "T" else 22.0
            parts.append(_e((side * (r_canal + 4 + span / 2), yc - 1, z + 1), (span / 2 + 3, 5, 5), BONE))
        spinous = 12.0 if name[0] == "C" else 18.0
        parts.append(_e((0, yc + r_canal + spinous, z - 5), (4.5, spinous, 7), BONE, angle=0))
    canal.insert(0, (0.0, spine_y(-190) + 22, -180.0))
    canal.append((0.0, spine_y(-800) + 30, -830.0))
    parts.append(_t(canal, 9.0, CSF))
    cord = [p for p in canal if p[2] >= -625]
    parts.append(_t(cord, 5.0, CORD, CSF))
    parts.append(_e((0, spine_y(-800) + 12, -815), (42, 18, 50), BONE, angle=0))  # sacrum
    parts.append(_e((0, spine_y(-800) + 12, -815), (38, 14, 46), MARROW, BONE))
    return parts


def _head(positive: bool, rng: np.random.Generator) -> list[Primitive]:
    p: list[Primitive] = [
        _e((0, 10, -250), (64, 60, 75), FAT, AIR),  # neck
        _e((0, 10, -250), (58, 54, 73), SOFT, FAT),
        _e((0, -52, -190), (56, 46, 46), SOFT, AIR),  # face and jaw
        _e((0, -98, -168), (10, 14, 22), SOFT, AIR),  # nose
        _e((0, -5, -100), (78, 98, 103), SOFT, AIR),  # scalp
        _e((0, -5, -100), (72, 92, 97), BONE),  # skull: outer table, diploe, inner table
        _e((0, -5, -100), (69, 89, 94), MARROW, BONE),
        _e((0, -5, -100), (67, 87, 92), BONE, MARROW),
        _e((0, -5, -100), (65, 85, 90), CSF, BONE),
        _e((0, -5, -96), (63, 83, 82), GM, CSF),
        _e((0, -5, -35), (1.6, 82, 40), CSF, GM),  # interhemispheric fissure
        _e((0, -3, -82), (52, 70, 56), WM, GM),
        _e((0, -16, -172), (58, 62, 5), MARROW, GM),  # skull base
        _e((0, 42, -146), (47, 30, 22), GM, BONE),  # cerebellum
        _e((0, 42, -146), (30, 18, 12), WM, GM),
        _t([(0, 8, -118), (0, 16, -160), (0, 22, -200)], 11, WM, GM),  # brainstem
    ]
    for s in (-1, 1):
        p += [
            _e((s * 56, -8, -104), (10, 4, 3), CSF, GM, angle=-s * 25),  # sylvian fissures
            _e((s * 20, -6, -95), (8, 15, 11), GM, WM),  # basal ganglia, thalami
            _e((s * 9, 9, -98), (8, 11, 9), GM, WM),
            _e((s * 10, 0, -72), (6, 30, 12), CSF, WM, angle=s * 8),  # lateral ventricles
            _e((s * 12, -27, -80), (6.5, 10, 10), CSF, WM),
            _e((s * 17, 31, -84), (5, 12, 8), CSF, WM),
            _e((s * 32, -72, -150), (17, 20, 15), FAT, BONE),  # orbits, globes
            _e((s * 32, -80, -150), (12, 12, 12), FLUID, FAT),
            _e((s * 26, -55, -188), (14, 18, 17), GAS, BONE),  # maxillary sinuses
            _e((s * 12, -62, -155), (6, 12, 10), GAS, BONE),
            _e((s * 58, 5, -165), (7, 8, 8), GAS, BONE),  # mastoids
        ]
    p += [
        _e((0, 5, -100), (2.5, 12, 9), CSF, GM),  # third and fourth ventricles
        _e((0, 30, -140), (6, 5, 7), CSF, GM),
        _e((0, -25, -165), (9, 9, 8), GAS, BONE),  # sphenoid sinus
        _t([(-27, -32, -200), (-25, -58, -201), (0, -74, -202), (25, -58, -201), (27, -32, -200)],
           5, BONE),  # upper dental arch
        _t([(-44, -5, -170), (-42, -10, -215), (-30, -50, -232), (0, -68, -236), (30, -50, -232),
            (42, -10, -215), (44, -5, -170)], 6, BONE),  # mandible
    ]
    if positive:  # an infarct / lesion in the white matter
        s = rng.choice([-1, 1])
        p.append(_e((s * rng.uniform(20, 35), rng.uniform(-30, 20), rng.uniform(-95, -60)),
                    (rng.uniform(6, 11), rng.uniform(8, 14), rng.uniform(6, 10)), CYST, WM))
    return p


def _vessel_tree(rng: np.random.Generator, lung: Ellipsoid, hilum: tuple[float, float, float]) -> list[Primitive]:
    """Pulmonary vessels: branches from the hilum to random points inside the lung."""
    out: list[Primitive] = []
    cx, cy, cz = lung.center
    a, b, c = lung.semi
    h = np.asarray(hilum)
    for _ in range(26):
        while True:
            u = rng.uniform(-1, 1, 3)
            if (u ** 2).sum() < 0.8:
                break
        target = np.array([cx + a * u[0], cy + b * u[1], cz + c * u[2]])
        mid = h + 0.45 * (target - h) + rng.normal(0, 6, 3)
        out.append(_t([h, mid], 4.0, BLOOD, LUNG))
        out.append(_t([mid, target], 2.2, BLOOD, LUNG))
        for _k in range(2):
            twig = target + rng.normal(0, 1, 3) * np.array([a, b, c]) * 0.2
            if (((twig - lung.center) / np.array(lung.semi)) ** 2).sum() < 0.85:
                out.append(_t([mid + 0.5 * (target - mid), twig], 1.3, BLOOD, LUNG))
    return out


def _ribs() -> list[Primitive]:
    out: list[Primitive] = []

    def trunk_scale(z: float) -> float:
        return max(0.2, 1 - abs((z + 590) / 370) ** 6) ** 0.5

    for k in range(1, 13):
        z0 = -300.0 - 22.5 * (k - 1)
        width = 0.55 if k == 1 else 0.8 if k == 2 else 1.0
        theta_max = 2.85 if k <= 7 else 2.45 if k <= 10 else 1.7 if k == 11 else 1.25
        for side in (-1, 1):
            pts = []
            for theta in np.linspace(0.2, theta_max, 22):
                z = z0 - 95 * (theta / math.pi) ** 1.5
                f = trunk_scale(z)
                pts.append((side * 0.86 * 163 * f * width * math.sin(theta),
                            -5 + 0.84 * 106 * f * math.cos(theta), z))
            out.append(_t(pts, 5.5, BONE))
            out.append(_t(pts, 3.2, MARROW, BONE))
            if k <= 7:  # costal cartilage to the sternum
                out.append(_t([pts[-1], (side * 14.0, -100.0, pts[-1][2] + 4)], 5.0, CARTILAGE))
    return out


def _chest(sex: str, rng: np.random.Generator, positive: bool, limbs: bool) -> list[Primitive]:
    p: list[Primitive] = []
    for s in (-1, 1):
        p.append(_e((s * 128, 12, -318), (76, 56, 38), SOFT, AIR))  # shoulders
    if sex == "F":
        for s in (-1, 1):
            p.append(_e((s * 75, -106, -470), (66, 42, 60), FAT, AIR))
    p += [
        _e((0, 0, -590), (175, 118, 370), FAT, AIR, pz=6),  # trunk: subcutaneous fat, muscle
    ]
    if sex == "F":
        for s in (-1, 1):
            p.append(_e((s * 75, -122, -468), (40, 20, 36), GLAND, FAT))
    p += [
        _e((0, 0, -590), (163, 106, 360), SOFT, FAT, pz=6),
        _e((0, 22, -690), (125, 62, 125), FAT),  # retroperitoneal fat
        _e((0, -40, -740), (128, 58, 130), FAT),  # mesenteric fat
    ]
    right = _e((-78, 8, -440), (68, 88, 142), LUNG)
    left = _e((80, 8, -445), (62, 86, 137), LUNG)
    p += [right, left]
    p += _vessel_tree(rng, right, (-40, 2, -430)) + _vessel_tree(rng, left, (40, 2, -430))
    p += [  # liver, gallbladder, spleen, stomach (their domes push the lung bases up)
        _e((-60, -5, -565), (94, 90, 82), LIVER, angle=10),
        _e((8, -42, -565), (52, 34, 36), LIVER),
        _e((-58, -55, -612), (16, 20, 32), FLUID, LIVER, angle=20),
        _e((96, 45, -585), (38, 52, 55), SPLEEN, angle=-35),
        _e((56, -45, -578), (52, 38, 55), SOFT, angle=-30),
        _e((56, -45, -578), (47, 33, 50), FLUID, SOFT, angle=-30),
        _e((56, -72, -562), (34, 12, 34), GAS, FLUID, angle=-30),
    ]
    p += [  # mediastinum, heart, great vessels, airways
        _e((0, -5, -430), (38, 72, 110), SOFT, LUNG),
        _e((22, -35, -490), (66, 56, 62), FAT, LUNG, angle=-30),
        _e((22, -35, -490), (62, 52, 58), MYO, FAT, angle=-30),
        _e((27, -31, -494), (42, 35, 43), BLOOD, MYO, angle=-30),
        _t([(8, -25, -470), (5, -30, -420), (0, -15, -385), (8, 10, -375), (18, 32, -392)], 15, ARTERY),
        _t([(18, 32, -392), (18, 42, -440), (12, 38, -520), (6, 34, -600)], 12, ARTERY),
        _t([(6, 34, -600), (3, 28, -700), (2, 24, -770)], 10, ARTERY),
        _t([(18, -45, -462), (10, -35, -430), (0, -20, -415)], 13, BLOOD),
        _t([(0, -20, -415), (-40, -5, -420), (-62, 0, -430)], 9, BLOOD, LUNG),
        _t([(0, -20, -415), (40, 0, -415), (60, 5, -425)], 9, BLOOD, LUNG),
        _t([(-25, -20, -330), (-22, -20, -420), (-15, -25, -462)], 9, BLOOD),
        _t([(-18, 22, -780), (-20, 15, -650), (-16, -5, -560), (-8, -20, -520)], 11, BLOOD),
        _t([(0, -25, -215), (0, -22, -300), (0, -8, -360), (0, 0, -400)], 9, GAS),
        _t([(0, 0, -400), (-35, 5, -425), (-55, 5, -440)], 6.5, GAS, LUNG),
        _t([(0, 0, -400), (40, 5, -430), (60, 5, -445)], 6, GAS, LUNG),
        _t([(0, -8, -220), (3, 15, -400), (15, 10, -560)], 6, SOFT),  # oesophagus
        _e((0, -104, -430), (16, 7, 85), BONE),  # sternum
        _e((0, -104, -430), (12, 4, 80), MARROW, BONE),
    ]
    for s in (-1, 1):
        p += [
            _e((s * 18, -22, -265), (10, 9, 20), THYROID),
            _t(_mirror([(5, -10, -385), (25, -12, -320), (25, -12, -250), (22, -8, -200), (17, -4, -162)], s),
               4, ARTERY),  # carotids, intracranial arteries
            _t(_mirror([(17, -4, -162), (15, -8, -145), (48, -10, -140), (62, -5, -128)], s), 2.5, ARTERY, GM),
            _t(_mirror([(15, -8, -145), (3, -30, -140), (3, -60, -110), (3, -40, -60)], s), 1.8, ARTERY, GM),
            _t(_mirror([(12, 20, -300), (10, 20, -200), (0, 12, -170)], s), 2.5, ARTERY),
            _t(_mirror([(0, 8, -145), (20, 20, -140), (35, 50, -130)], s), 1.8, ARTERY, GM),
            _t(_mirror([(30, 0, -300), (30, 5, -190)], s), 6, BLOOD),  # jugular veins
            _t(_mirror([(18, -95, -300), (70, -85, -290), (130, -40, -284), (160, -5, -280)], s), 7, BONE),
            _e((s * 100, 62, -360), (46, 7, 75), BONE, angle=-s * 25),  # scapulae
            # kidneys with sinus fat and pelvis, ureters, renal vessels
            _e((s * 72, 48, -665), (32, 26, 55), KIDNEY, FAT, angle=s * 25),
            _e((s * 60, 40, -665), (12, 10, 28), FAT, KIDNEY, angle=s * 25),
            _e((s * 56, 38, -668), (7, 6, 14), URINE, FAT),
            _t(_mirror([(52, 35, -680), (48, 20, -760), (55, 10, -850), (25, -30, -885)], s), 2, URINE, FAT),
            _t(_mirror([(3, 28, -655), (55, 38, -665)], s), 3, ARTERY, FAT),
            _t(_mirror([(30, 35, -620), (45, 30, -760), (70, 5, -860)], s), 16, SOFT, FAT),  # psoas
            _t(_mirror([(2, 24, -770), (40, 30, -820), (70, 20, -880), (90, 0, -930)], s), 6, ARTERY),
            # pelvis
            _e((s * 100, 38, -800), (58, 12, 62), BONE, angle=s * 40),
            _e((s * 100, 38, -800), (54, 8, 58), MARROW, BONE, angle=s * 40),
            _t(_mirror([(90, 10, -880), (40, -60, -915), (8, -70, -915)], s), 10, BONE),
            _t(_mirror([(80, 30, -900), (60, 40, -945)], s), 12, BONE),
            _e((s * 90, 5, -900), (24, 24, 24), BONE),
            _e((s * 90, 5, -900), (20, 20, 20), MARROW, BONE),
        ]
    p += [
        _t([(-30, -15, -590), (-25, -5, -620), (-15, 10, -660), (-8, 15, -675)], 3.5, FLUID, LIVER),
        _t([(-30, -15, -590), (-55, -15, -565), (-80, -10, -555)], 2.2, FLUID, LIVER),
        _t([(-30, -15, -590), (-10, -25, -570), (10, -35, -560)], 2.2, FLUID, LIVER),
        _t([(-30, -15, -595), (-45, -40, -600), (-55, -50, -592)], 1.6, FLUID, LIVER),
        _t([(-10, 5, -620), (-35, -5, -590), (-70, -10, -570)], 7, BLOOD, LIVER),  # portal vein
        _t([(-15, -10, -522), (-60, -25, -548)], 5, BLOOD, LIVER),
        _t([(-15, -10, -522), (-25, -50, -560)], 5, BLOOD, LIVER),
        _t([(-25, 5, -640), (0, 0, -632), (40, 10, -625), (75, 30, -615)], 11, PANCREAS, FAT),
        _t([(-8, 15, -675), (0, 2, -634), (40, 12, -626), (70, 28, -617)], 1.5, FLUID, PANCREAS),
    ]
    colon = [
        [(-95, 10, -820), (-100, 5, -720), (-95, -20, -650)],
        [(-95, -20, -650), (-40, -68, -655), (40, -68, -650), (95, -15, -640)],
        [(95, -15, -640), (105, 10, -720), (95, 15, -820), (40, 50, -860)],
        [(40, 50, -860), (0, 60, -880), (0, 55, -940)],
    ]
    for _ in range(22):  # small bowel loops
        centre = (rng.uniform(-75, 75), rng.uniform(-75, 10), rng.uniform(-850, -700))
        r = rng.uniform(12, 20)
        p.append(_e(centre, (r, r * 0.8, r), BOWEL, FAT, angle=rng.uniform(0, 180)))
        if rng.random() < 0.4:
            p.append(_e(centre, (r * 0.5, r * 0.4, r * 0.5), FLUID if rng.random() < 0.6 else GAS, BOWEL))
    for segment, radius in zip(colon, (22, 20, 17, 16), strict=False):
        p.append(_t(segment, radius, BOWEL, FAT))
        for _ in range(3):
            k = rng.integers(0, len(segment) - 1)
            q = np.asarray(segment[k]) + rng.uniform(0.2, 0.8) * (np.asarray(segment[k + 1]) - segment[k])
            p.append(_e((q[0], q[1] - radius * 0.3, q[2]), (radius * 0.6,) * 3, GAS, BOWEL))
    p.append(_e((0, -45, -890), (45, 35, 35), URINE))  # bladder
    p += _ribs()
    p += _spine()
    if limbs:
        p += _limbs()
    if positive:  # a lung nodule, a liver lesion, a bone lesion
        p.append(_e((rng.uniform(-100, -60), rng.uniform(-30, 40), rng.uniform(-480, -380)),
                    (rng.uniform(6, 12),) * 3, LESION, LUNG))
        p.append(_e((rng.uniform(-90, -40), rng.uniform(-40, 20), rng.uniform(-590, -540)),
                    (rng.uniform(10, 18),) * 3, LESION, LIVER))
        name, z, h, sx, sy = _LEVELS[int(rng.integers(8, 20))]
        p.append(_e((rng.uniform(-6, 6), spine_y(z), z), (sx * 0.45, sy * 0.5, h * 0.35), LESION, MARROW))
    return p


def _limbs() -> list[Primitive]:
    p: list[Primitive] = []
    for s in (-1, 1):
        m = functools.partial(_mirror, side=s)
        p += [
            _t(m([(180, 10, -290), (200, 15, -600), (212, 10, -880)]), 44, SOFT, AIR),  # arm
            _e((s * 215, -5, -935), (18, 42, 75), SOFT, AIR),  # hand
            _e((s * 172, 10, -300), (25, 25, 25), BONE),  # humerus
            _t(m([(175, 10, -310), (195, 15, -450), (205, 20, -600)]), 12, BONE),
            _t(m([(205, 20, -620), (215, 0, -850)]), 7, BONE),  # radius, ulna
            _t(m([(198, 30, -620), (208, 15, -850)]), 7, BONE),
            _e((s * 215, -5, -935), (12, 34, 65), MARROW),
            _t(m([(85, 5, -900), (95, 0, -1300)]), 78, SOFT, AIR),  # thigh, calf, foot
            _t(m([(95, 0, -1320), (100, 10, -1700)]), 52, SOFT, AIR),
            _e((s * 100, -60, -1738), (40, 100, 26), SOFT, AIR),
            _t(m([(90, 5, -900), (105, 5, -930), (100, 0, -1300)]), 13, BONE),  # femur
            _e((s * 97, 5, -1315), (38, 30, 25), BONE),
            _e((s * 97, -40, -1305), (20, 10, 22), BONE),  # patella
            _e((s * 98, 5, -1350), (37, 28, 18), BONE),  # tibia, fibula
            _t(m([(98, 5, -1350), (100, 5, -1700)]), 12, BONE),
            _t(m([(125, 15, -1360), (122, 15, -1690)]), 6, BONE),
            _e((s * 100, 10, -1712), (28, 25, 20), BONE),
            _e((s * 100, -60, -1738), (32, 85, 18), MARROW),
        ]
    return p


@functools.lru_cache(maxsize=16)
def body_model(*, sex: str = "M", seed: object = 0, positive: bool = False,
               limbs: bool = False) -> tuple[Primitive, ...]:
    """The body from the vertex (z 0) to the pelvis (z -950); with ``limbs`` also arms (down)
    and legs.  ``seed`` draws the lung vessels, bowel loops and (``positive``) lesions."""
    rng = generator("body", seed)
    return tuple(_head(positive, rng) + _chest(sex, rng, positive, limbs))


@functools.lru_cache(maxsize=16)
def knee_model(*, side: str = "R", positive: bool = False) -> tuple[Primitive, ...]:
    """A knee, joint line at z 0; ``side`` puts the fibula on the lateral side."""
    lat = -1.0 if side == "R" else 1.0  # lateral is toward the patient's right for a right knee
    p: list[Primitive] = [
        _t([(0, 2, 170), (0, 4, -170)], 64, FAT, AIR),
        _t([(0, 6, 170), (0, 6, -170)], 54, SOFT, FAT),
        _e((0, -36, 20), (40, 20, 45), FAT),  # prefemoral / infrapatellar fat
        _e((0, 42, 0), (30, 22, 60), FAT),  # popliteal fossa
        _e((0, -30, -14), (25, 14, 18), FAT),  # Hoffa's fat pad
        _e((0, -28, 58), (30, 7 if not positive else 12, 28), FLUID, FAT),  # suprapatellar recess
        _t([(0, 5, 180), (0, 5, 40)], 16, BONE),
        _t([(0, 5, 180), (0, 5, 40)], 12, MARROW, BONE),
        _e((0, 5, 40), (38, 30, 28), BONE),
        _e((0, 5, 40), (35, 27, 25), MARROW, BONE),
    ]
    for s in (-1, 1):
        p += [
            _e((s * 22, 8, 15), (24, 34, 30), CARTILAGE),
            _e((s * 22, 8, 15), (21, 31, 27), BONE),
            _e((s * 22, 8, 15), (18.5, 28.5, 24.5), MARROW, BONE),
        ]
    p += [
        _e((0, 20, 6), (8, 16, 15), FAT, MARROW),  # intercondylar notch
        _e((0, 5, -22), (40, 30, 18), CARTILAGE),
        _e((0, 5, -24), (38, 28, 17), BONE),
        _e((0, 5, -24), (35, 25, 15), MARROW, BONE),
        _t([(0, 5, -30), (0, 5, -180)], 15, BONE),
        _t([(0, 5, -30), (0, 5, -180)], 11, MARROW, BONE),
        _e((lat * 32, 18, -45), (10, 10, 12), BONE),
        _t([(lat * 32, 18, -45), (lat * 30, 18, -180)], 7, BONE),
        _e((0, -40, 35), (22, 12, 22), CARTILAGE),
        _e((0, -43, 35), (20, 9, 20), BONE),
        _e((0, -44, 35), (17, 6.5, 17), MARROW, BONE),
        _t([(0, -46, 14), (0, -38, -45)], 4, LIGAMENT),  # patellar and quadriceps tendons
        _t([(0, -44, 57), (0, -28, 120)], 5, LIGAMENT),
        _t([(lat * 8, 18, 12), (-lat * 2, -8, -18)], 4, LIGAMENT, FAT),  # ACL, PCL
        _t([(-lat * 5, -2, 14), (-lat * 2, 26, -20)], 4, LIGAMENT, FAT),
        _t([(0, 38, 150), (0, 42, 0), (0, 36, -150)], 4, ARTERY),
        _t([(8, 44, 150), (8, 47, 0), (8, 40, -150)], 5, BLOOD),
    ]
    for s in (-1, 1):
        p += [
            _e((s * 23, 6, -3), (18, 27, 4), LIGAMENT, CARTILAGE),  # menisci
            _e((s * 21, 6, -3), (9, 15, 4.5), CARTILAGE, LIGAMENT),
            _t([(s * 46, 6, 25), (s * 46, 8, -35)], 2.5, LIGAMENT),  # collateral ligaments
        ]
    if positive:  # a tear through the medial meniscus
        p.append(_e((-lat * 23, 18, -3), (10, 1.2, 2.5), FLUID, LIGAMENT, angle=20))
    return tuple(p)


# --- planes and rasterisation ------------------------------------------------------------

_PLANE_AXES: Final = {2: (0, 1), 0: (1, 2), 1: (0, 2)}  # fixed axis -> (column axis, row axis)
_AXIS_NAMES: Final = {0: "sagittal", 1: "coronal", 2: "axial"}


@dataclass(frozen=True)
class Plane:
    """An axis-aligned image: ``axis`` 2 axial (columns to +x, rows to +y), 0 sagittal
    (columns to +y, rows to -z), 1 coronal (columns to +x, rows to -z); ``w`` its coordinate
    on that axis; ``center`` the patient coordinates (column axis, row axis) of the image
    centre.  A projection uses the same geometry and integrates along ``axis``."""

    axis: int
    w: float
    center: tuple[float, float]
    spacing: float
    shape: tuple[int, int]

    @property
    def axes(self) -> tuple[int, int]:
        return _PLANE_AXES[self.axis]

    @property
    def steps(self) -> tuple[float, float]:
        return self.spacing, (self.spacing if self.axis == 2 else -self.spacing)

    @property
    def origin(self) -> tuple[float, float]:
        (su, sv), (rows, cols) = self.steps, self.shape
        return self.center[0] - su * (cols - 1) / 2, self.center[1] - sv * (rows - 1) / 2

    def position(self) -> tuple[float, float, float]:
        """Patient coordinates of the centre of the first pixel (ImagePositionPatient)."""
        out = [0.0, 0.0, 0.0]
        out[self.axis] = self.w
        iu, iv = self.axes
        out[iu], out[iv] = self.origin
        return out[0], out[1], out[2]

    def orientation(self) -> tuple[float, ...]:
        """ImageOrientationPatient: row then column direction cosines."""
        iu, iv = self.axes
        su, sv = self.steps
        row, col = [0.0] * 3, [0.0] * 3
        row[iu], col[iv] = math.copysign(1.0, su), math.copysign(1.0, sv)
        return (*row, *col)


def _window(plane: Plane, u_lo: float, u_hi: float, v_lo: float, v_hi: float):
    (u0, v0), (su, sv), (rows, cols) = plane.origin, plane.steps, plane.shape

    def span(lo: float, hi: float, o: float, s: float, n: int) -> tuple[int, int]:
        a, b = (lo - o) / s, (hi - o) / s
        return max(0, math.floor(min(a, b))), min(n, math.ceil(max(a, b)) + 1)

    j0, j1 = span(u_lo, u_hi, u0, su, cols)
    i0, i1 = span(v_lo, v_hi, v0, sv, rows)
    if j0 >= j1 or i0 >= i1:
        return None
    u = (u0 + su * np.arange(j0, j1))[None, :]
    v = (v0 + sv * np.arange(i0, i1))[:, None]
    return (slice(i0, i1), slice(j0, j1)), u, v


def _extent(e: Ellipsoid) -> tuple[float, float, float]:
    a, b, c = e.semi
    r = max(a, b)
    return (r, r, c) if e.angle else (a, b, c)


def _ellipsoid_mask(e: Ellipsoid, plane: Plane):
    k, (iu, iv) = plane.axis, plane.axes
    ext = _extent(e)
    if abs(plane.w - e.center[k]) >= ext[k]:
        return None
    win = _window(plane, e.center[iu] - ext[iu], e.center[iu] + ext[iu],
                  e.center[iv] - ext[iv], e.center[iv] + ext[iv])
    if win is None:
        return None
    sl, u, v = win
    d: list = [0.0, 0.0, 0.0]
    d[k], d[iu], d[iv] = plane.w - e.center[k], u - e.center[iu], v - e.center[iv]
    dx, dy, dz = d
    if e.angle:
        cs, sn = math.cos(math.radians(e.angle)), math.sin(math.radians(e.angle))
        dx, dy = dx * cs + dy * sn, -dx * sn + dy * cs
    a, b, c = e.semi
    zt = (dz / c) ** 2 if e.pz == 2 else np.abs(dz / c) ** e.pz
    q = (dx / a) ** 2 + (dy / b) ** 2 + zt
    return sl, q <= 1.0


def _tube_masks(t: Tube, plane: Plane):
    k, (iu, iv), r, w = plane.axis, plane.axes, t.radius, plane.w
    pts = t.points
    for p0, p1 in pairwise(pts):
        dk = p1[k] - p0[k]
        if dk:
            ta, tb = sorted(((w - r - p0[k]) / dk, (w + r - p0[k]) / dk))
            ta, tb = max(ta, 0.0), min(tb, 1.0)
            if ta > tb:
                continue
        elif abs(w - p0[k]) > r:
            continue
        else:
            ta, tb = 0.0, 1.0
        q0, q1 = p0 + ta * (p1 - p0), p0 + tb * (p1 - p0)
        win = _window(plane, min(q0[iu], q1[iu]) - r, max(q0[iu], q1[iu]) + r,
                      min(q0[iv], q1[iv]) - r, max(q0[iv], q1[iv]) + r)
        if win is None:
            continue
        sl, u, v = win
        rel: list = [0.0, 0.0, 0.0]
        rel[k], rel[iu], rel[iv] = w - p0[k], u - p0[iu], v - p0[iv]
        d = p1 - p0
        length2 = float(d @ d) or 1e-9
        s = np.clip((rel[0] * d[0] + rel[1] * d[1] + rel[2] * d[2]) / length2, 0.0, 1.0)
        dist2 = (rel[0] - s * d[0]) ** 2 + (rel[1] - s * d[1]) ** 2 + (rel[2] - s * d[2]) ** 2
        yield sl, dist2 <= r * r


@functools.lru_cache(maxsize=32)
def _bounds(model: tuple[Primitive, ...]) -> tuple[np.ndarray, np.ndarray]:
    pairs = [prim.bounds() for prim in model]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


def slice_labels(model: Sequence[Primitive], plane: Plane) -> np.ndarray:
    """The tissue label of every pixel of ``plane`` (uint8, rows x cols)."""
    out = np.zeros(plane.shape, np.uint8)
    lo, hi = _bounds(model)
    k = plane.axis
    for n in np.flatnonzero((lo[:, k] <= plane.w) & (hi[:, k] >= plane.w)):
        prim = model[int(n)]
        masks = [_ellipsoid_mask(prim, plane)] if isinstance(prim, Ellipsoid) else _tube_masks(prim, plane)
        for found in masks:
            if found is not None:
                sl, mask = found
                out[sl][np.broadcast_to(mask, out[sl].shape)] = prim.label
    return out


def project(model: Sequence[Primitive], view: Plane, table: np.ndarray,
            weight: Callable[[Primitive], float] | None = None) -> np.ndarray:
    """Line integrals of ``table`` along ``view.axis`` (0: lateral, 1: frontal)."""
    if view.axis not in (0, 1):
        raise ValueError("projections are frontal (axis 1) or lateral (axis 0)")
    out = np.zeros(view.shape, np.float32)
    for prim in model:
        delta = float(table[prim.label] - table[prim.parent]) * (weight(prim) if weight else 1.0)
        if delta == 0:
            continue
        if isinstance(prim, Ellipsoid):
            _project_ellipsoid(out, prim, view, delta)
        else:
            _project_tube(out, prim, view, delta)
    return out


def _project_ellipsoid(out: np.ndarray, e: Ellipsoid, view: Plane, delta: float) -> None:
    k, (iu, iv) = view.axis, view.axes
    ext = _extent(e)
    win = _window(view, e.center[iu] - ext[iu], e.center[iu] + ext[iu],
                  e.center[iv] - ext[iv], e.center[iv] + ext[iv])
    if win is None:
        return
    sl, u, v = win
    a, b, c = e.semi
    cs, sn = math.cos(math.radians(e.angle)), math.sin(math.radians(e.angle))
    du = u - e.center[iu]
    zt = ((v - e.center[2]) / c) ** 2 if e.pz == 2 else np.abs((v - e.center[2]) / c) ** e.pz
    cross = 2 * cs * sn * (1 / a**2 - 1 / b**2)
    if k == 1:  # integrate along y; u is x
        qa, qb = sn**2 / a**2 + cs**2 / b**2, cross * du
        qc = du**2 * (cs**2 / a**2 + sn**2 / b**2) + zt - 1
    else:  # integrate along x; u is y
        qa, qb = cs**2 / a**2 + sn**2 / b**2, cross * du
        qc = du**2 * (sn**2 / a**2 + cs**2 / b**2) + zt - 1
    disc = qb * qb - 4 * qa * qc
    out[sl] += delta * np.sqrt(np.maximum(disc, 0.0)) / qa


def _project_tube(out: np.ndarray, t: Tube, view: Plane, delta: float) -> None:
    iu, iv = view.axes
    r = t.radius
    for p0, p1 in pairwise(t.points):
        win = _window(view, min(p0[iu], p1[iu]) - r, max(p0[iu], p1[iu]) + r,
                      min(p0[iv], p1[iv]) - r, max(p0[iv], p1[iv]) + r)
        if win is None:
            continue
        sl, u, v = win
        du, dv = p1[iu] - p0[iu], p1[iv] - p0[iv]
        plane_len2 = du * du + dv * dv
        full = float(np.linalg.norm(p1 - p0)) or 1e-9
        if plane_len2 < 1e-9:
            dist2 = (u - p0[iu]) ** 2 + (v - p0[iv]) ** 2
            inside = dist2 <= r * r
            chord = np.where(inside, full, 0.0)
        else:
            s = ((u - p0[iu]) * du + (v - p0[iv]) * dv) / plane_len2
            dist2 = (u - p0[iu] - s * du) ** 2 + (v - p0[iv] - s * dv) ** 2
            inside = (s >= 0) & (s < 1) & (dist2 <= r * r)
            cos_tilt = max(math.sqrt(plane_len2) / full, 0.5)
            chord = np.where(inside, 2 * np.sqrt(np.maximum(r * r - dist2, 0.0)) / cos_tilt, 0.0)
        out[sl] += delta * chord


# --- texture, noise, filters -------------------------------------------------------------


@functools.lru_cache(maxsize=16)  # neighbouring slices share their lattices
def _lattice(shape: tuple[int, int], cell: int, key: tuple) -> np.ndarray:
    small = generator(*key).standard_normal((shape[0] // cell + 3, shape[1] // cell + 3)).astype(np.float32)
    big = np.asarray(Image.fromarray(small).resize((shape[1], shape[0]), Image.Resampling.BICUBIC))
    return (big - big.mean()) / (big.std() + 1e-6)


def texture(shape: tuple[int, int], w: float, key: tuple, cell: int = 16, period: float = 15.0) -> np.ndarray:
    """Smooth unit-variance noise that changes smoothly with the slice position ``w`` (mm)."""
    cell = max(2, cell)
    n = math.floor(w / period)
    f = w / period - n
    f = f * f * (3 - 2 * f)
    a, b = _lattice(shape, cell, (*key, cell, n)), _lattice(shape, cell, (*key, cell, n + 1))
    return (1 - f) * a + f * b


def blur(a: np.ndarray, passes: int = 1) -> np.ndarray:
    """Binomial [1 2 1]/4 filter in both directions, ``passes`` times (edges replicated)."""
    out = a.astype(np.float32, copy=True)
    for _ in range(passes):
        p = np.pad(out, 1, mode="edge")
        h = (p[:, :-2] + 2 * p[:, 1:-1] + p[:, 2:]) * 0.25
        out = (h[:-2] + 2 * h[1:-1] + h[2:]) * 0.25
    return out


def lowpass(a: np.ndarray, factor: int) -> np.ndarray:
    """A cheap wide low-pass: shrink by ``factor`` and enlarge again (bicubic)."""
    rows, cols = a.shape
    small = Image.fromarray(a.astype(np.float32)).resize((max(1, cols // factor), max(1, rows // factor)),
                                                         Image.Resampling.BOX)
    return np.asarray(small.resize((cols, rows), Image.Resampling.BICUBIC))


# --- cross-sections ----------------------------------------------------------------------


def ct_slice(model: Sequence[Primitive], plane: Plane, *, phase: str = "plain", key: tuple = (),
             noise: float = 7.0) -> np.ndarray:
    """Hounsfield units (int16) of ``plane`` through ``model`` in contrast ``phase``."""
    labels = slice_labels(model, plane)
    img = CT_TABLES[phase][labels]
    cell = round(6 / plane.spacing)
    tex = texture(plane.shape, plane.w, (*key, "ct"), cell=cell) * 0.8 \
        + texture(plane.shape, plane.w, (*key, "ct2"), cell=max(2, cell // 3), period=6) * 0.6
    img = blur(img + _CT_TEXTURE[labels] * tex)
    img += noise * generator(*key, "noise", round(plane.w * 100)).standard_normal(plane.shape, dtype=np.float32)
    return np.clip(np.rint(img), -1024, 3071).astype(np.int16)


def mr_slice(model: Sequence[Primitive], plane: Plane, *, weighting: str = "t2", key: tuple = ()) -> np.ndarray:
    """MR signal (uint16, 12-bit) of ``plane`` with ``weighting`` (a key of MR_TABLES)."""
    labels = slice_labels(model, plane)
    img = MR_TABLES[weighting][labels]
    tex = texture(plane.shape, plane.w, (*key, "mr"), cell=round(5 / plane.spacing))
    img = blur(img * (1 + _MR_TEXTURE[labels] * tex))
    shading = 1 + 0.08 * texture(plane.shape, 0.0, (*key, "b1"), cell=plane.shape[0] // 3)
    img = img * shading
    g = generator(*key, "noise", round(plane.w * 100))
    sigma = 12.0 if weighting != "dwi" else 30.0
    n1, n2 = g.standard_normal((2, *plane.shape), dtype=np.float32) * sigma
    img = np.hypot(img + n1, n2)  # magnitude image: Rician background
    return np.clip(np.rint(img), 0, 4095).astype(np.uint16)


def pet_slice(model: Sequence[Primitive], plane: Plane, *, key: tuple = ()) -> np.ndarray:
    """FDG activity concentration (SUV units, float32) of ``plane``."""
    labels = slice_labels(model, plane)
    img = SUV[labels] * (1 + 0.12 * texture(plane.shape, plane.w, (*key, "pet"), cell=3))
    img = blur(img, passes=3)
    g = generator(*key, "noise", round(plane.w * 100))
    img = img * (1 + 0.15 * blur(g.standard_normal(plane.shape, dtype=np.float32), 1))
    return np.maximum(img, 0).astype(np.float32)


# --- projections -------------------------------------------------------------------------


def radiograph(model: Sequence[Primitive], view: Plane, *, key: tuple = (), bits: int = 12) -> np.ndarray:
    """A processed radiograph (uint16, ``bits`` bits; bone bright, air dark) of ``model``."""
    p = project(model, view, XRAY)
    body = p > 0.3
    ref = float(np.percentile(p[body], 99.5)) if body.any() else 1.0
    x = p / ref
    v = x + 0.9 * (x - lowpass(x, 32))  # equalisation and edge enhancement, as DR processing does
    v = np.clip(v, 0, 1.2) + 0.008 * texture(view.shape, 0.0, (*key, "dx"), cell=4)
    g = generator(*key, "quantum")
    v = v + 0.006 * g.standard_normal(view.shape, dtype=np.float32)
    top = (1 << bits) - 1
    return np.clip(np.rint(120 + v * (top - 700)), 0, top).astype(np.uint16)


def bone_scan(model: Sequence[Primitive], view: Plane, *, posterior: bool, key: tuple = ()) -> np.ndarray:
    """A Tc-99m MDP whole-body image (counts, uint16); ``posterior`` views from behind."""

    def depth_weight(prim: Primitive) -> float:
        y = prim.center[1] if isinstance(prim, Ellipsoid) else float(prim.points[:, 1].mean())
        depth = (120 - y) if posterior else (y + 120)
        return math.exp(-0.011 * max(depth, 0.0))

    counts = project(model, view, MDP, weight=depth_weight)
    counts = blur(counts, passes=3)
    counts = counts / max(float(np.percentile(counts, 99.8)), 1e-6) * 600
    if posterior:
        counts = counts[:, ::-1]
    g = generator(*key, "poisson")
    noisy = g.poisson(np.maximum(counts, 0)).astype(np.float32)
    return np.clip(np.rint(blur(noisy, 1)), 0, 65535).astype(np.uint16)


# --- ultrasound --------------------------------------------------------------------------

# (lateral mm, depth mm, semi-lateral, semi-depth, angle deg, echogenicity, attenuation dB/mm)
_Blob = tuple[float, float, float, float, float, float, float]


def _us_scene(body_part: str, t: float, positive: bool) -> tuple[str, float, float, list[_Blob], list[tuple]]:
    """Probe kind, field width and depth (mm), blobs painted in order, layers (d0, d1, echo)."""
    if body_part == "NECK":
        layers = [(0, 1.5, 0.9), (1.5, 5, 0.3), (5, 40, 0.25)]
        blobs: list[_Blob] = [
            (-6 + 2 * t, 5, 16, 3.5, 5, 0.22, 0.04),  # sternocleidomastoid
            (-2 + 2 * t, 15, 11, 8, 8, 0.75, 0.05),  # thyroid lobe
            (10, 10, 7, 2.5, 0, 0.75, 0.05),  # isthmus
            (-17 + 2 * t, 17, 4, 4, 0, 0.02, 0.0),  # carotid
            (-14 + 2 * t, 10, 4.5, 2.5, 10, 0.02, 0.0),  # jugular
            (14, 17, 7, 7, 0, 0.9, 0.8),  # trachea (air): bright and shadowing
        ]
        if positive:
            blobs += [(-3 + 2 * t, 15, 4, 3, 15, 0.12, 0.05), (-2 + 2 * t, 15.5, 0.5, 0.5, 0, 3.0, 1.5)]
        return "linear", 40.0, 40.0, blobs, layers
    if body_part == "BREAST":
        layers = [(0, 1.5, 0.9), (1.5, 9, 0.22), (9, 24, 0.8), (24, 29, 0.22), (29, 38, 0.38), (38, 40, 1.2)]
        blobs = [(x + 4 * t, d, 4, 2, 0, 0.15, 0.03) for x, d in ((-12, 5), (3, 6), (14, 4.5), (-3, 27))]
        if positive:
            blobs.append((2 * t, 16, 6, 4, -10, 0.07, 0.3))
        return "linear", 40.0, 40.0, blobs, layers
    if body_part == "KIDNEY":
        layers = [(0, 12, 0.35), (12, 20, 0.25), (20, 160, 0.5)]
        blobs = [
            (8 * t, 75, 58, 28, 10, 0.33, 0.04),  # cortex
            (8 * t, 75, 36, 9, 10, 1.1, 0.08),  # sinus fat
            *[(8 * t + x, 75 + d, 7, 5, 0, 0.12, 0.03) for x, d in ((-30, 12), (-10, 15), (12, 15), (32, 11),
                                                                   (-28, -12), (-8, -15), (14, -15))],
        ]
        if positive:
            blobs += [(8 * t + 20, 73, 2, 2, 0, 3.5, 2.5)]  # a stone with its shadow
        return "convex", 0.0, 150.0, blobs, layers
    layers = [(0, 12, 0.35), (12, 22, 0.25), (22, 170, 0.52)]
    blobs = [
        (0, 165, 140, 22, 0, 1.6, 0.1),  # diaphragm
        (0, 186, 150, 30, 0, 0.35, 0.1),
        (-12 + 10 * t, 70, 20, 13, 20, 0.01, 0.0),  # gallbladder
        (25 + 5 * t, 95, 11, 7, -20, 0.02, 0.0),  # portal vein
        (-38, 118, 6, 5, 0, 0.02, 0.0),  # hepatic vein
    ]
    if positive:
        blobs += [(-12 + 10 * t, 78, 4, 3, 0, 3.5, 3.0)]  # a gallstone with its shadow
    return "convex", 0.0, 160.0, blobs, layers


_CONVEX: Final = (45.0, math.radians(30))  # convex probe: radius of curvature (mm), half angle


def ultrasound(body_part: str, *, t: float = 0.0, positive: bool = False, key: tuple = (),
               shape: tuple[int, int] = (480, 640)) -> tuple[np.ndarray, dict]:
    """A B-mode frame (uint8, 480 x 640) and its region geometry (``mm_per_pixel``,
    ``region`` = (x0, y0, x1, y1) pixel box of the image data)."""
    rows, cols = shape
    kind, width, depth, blobs, layers = _us_scene(body_part, t, positive)
    beams, samples = 256, 512
    if kind == "linear":
        lat = np.linspace(-width / 2, width / 2, beams)[:, None]
        dep = np.linspace(0, depth, samples)[None, :]
        x, d = np.broadcast_arrays(lat, dep)
        mm = depth / 400
        region = ((cols - 400) // 2, 40, (cols + 400) // 2, 440)
    else:
        r0, half = _CONVEX
        theta = np.linspace(-half, half, beams)[:, None]
        rad = r0 + np.linspace(0, depth, samples)[None, :]
        x, d = rad * np.sin(theta), rad * np.cos(theta) - r0
        mm = depth / (rows - 30)
        region = (0, 20, cols, rows)
    echo: np.ndarray = np.zeros(x.shape, np.float32)
    atten = np.full(x.shape, 0.055, np.float32)
    for d0, d1, e in layers:
        band = (d >= d0) & (d < d1)
        echo[band] = e
    for cx, cd, ax, ad, ang, e, att in blobs:
        cs, sn = math.cos(math.radians(ang)), math.sin(math.radians(ang))
        u, w = (x - cx) * cs + (d - cd) * sn, -(x - cx) * sn + (d - cd) * cs
        inside = (u / ax) ** 2 + (w / ad) ** 2 <= 1
        echo[inside], atten[inside] = e, att
    edges = np.abs(np.diff(echo, axis=1, prepend=echo[:, :1]))  # specular boundaries
    echo = echo + 1.5 * blur(edges, 1)
    step = depth / samples
    gain = np.exp(-np.cumsum(atten - 0.055, axis=1) * step * 0.23)  # residual after TGC
    g = generator(*key, "speckle")
    re, im = g.standard_normal((2, beams, samples), dtype=np.float32)
    re, im = blur(re, 2), blur(im, 2)
    speckle = np.hypot(re, im) / 0.38
    amp = echo * gain * speckle * (1 + 0.15 * texture((beams, samples), t * 10, (*key, "us"), cell=24))
    db = 20 * np.log10(amp + 1e-3)
    img = np.clip((db + 34) / 40, 0, 1) * 235
    return _scan_convert(img, kind, width, depth, shape, region, mm), {"mm_per_pixel": mm, "region": region}


def _scan_convert(polar: np.ndarray, kind: str, width: float, depth: float, shape: tuple[int, int],
                  region: tuple[int, int, int, int], mm: float) -> np.ndarray:
    rows, cols = shape
    beams, samples = polar.shape
    out = np.zeros(shape, np.float32)
    jj, ii = np.meshgrid(np.arange(cols), np.arange(rows))
    if kind == "linear":
        x0, y0, x1, y1 = region
        x = (jj - (x0 + x1) / 2) * mm
        d = (ii - y0) * mm
        bi = (x / width + 0.5) * (beams - 1)
        si = d / depth * (samples - 1)
    else:
        r0, half = _CONVEX
        apex_row = region[1] - r0 / mm
        dx, dy = (jj - cols / 2) * mm, (ii - apex_row) * mm
        rad, theta = np.hypot(dx, dy), np.arctan2(dx, dy)
        bi = (theta + half) / (2 * half) * (beams - 1)
        si = (rad - r0) / depth * (samples - 1)
    ok = (bi >= 0) & (bi <= beams - 1) & (si >= 0) & (si <= samples - 1)
    b0 = np.clip(np.floor(bi).astype(int), 0, beams - 2)
    s0 = np.clip(np.floor(si).astype(int), 0, samples - 2)
    fb, fs = np.clip(bi - b0, 0, 1), np.clip(si - s0, 0, 1)
    val = ((1 - fb) * (1 - fs) * polar[b0, s0] + fb * (1 - fs) * polar[b0 + 1, s0]
           + (1 - fb) * fs * polar[b0, s0 + 1] + fb * fs * polar[b0 + 1, s0 + 1])
    out[ok] = val[ok]
    for k in range(1, int(depth // 10) + 1):  # depth marks every centimetre, right of the image
        row = int(round((region[1] + 10 * k / mm) if kind == "linear" else (region[1] + 10 * k / mm)))
        if row < rows - 2:
            out[row:row + 2, cols - 18:cols - 12] = 200
    return np.rint(out).astype(np.uint8)


# --- mammography -------------------------------------------------------------------------


def mammogram(*, laterality: str, view: str, positive: bool, key: tuple,
              shape: tuple[int, int] = (1024, 768), spacing: float = 0.23) -> np.ndarray:
    """A processed mammogram (uint16, 12-bit); the chest wall on the image's right for the
    right breast, on its left for the left one."""
    rows, cols = shape
    g = generator(*key, "breast", laterality)
    depth, half = g.uniform(115, 150), g.uniform(85, 105)
    x = (np.arange(cols) * spacing)[None, :]  # distance from the chest wall
    y = ((np.arange(rows) - rows * (0.5 if view == "CC" else 0.56)) * spacing)[:, None]
    r2 = (x / depth) ** 2 + (y / half) ** 2
    inside = r2 <= 1
    thickness = np.sqrt(np.clip(1 - r2, 0, 1)) ** 0.25
    tex_key = (*key, "gland", laterality)
    stretched = (rows, cols // 4)  # strands run toward the nipple: noise stretched along x
    field_ = np.asarray(Image.fromarray(
        0.7 * texture(stretched, 0.0, tex_key, cell=24) + 0.5 * texture(stretched, 0.0, (*tex_key, 2), cell=6)
    ).resize((cols, rows), Image.Resampling.BICUBIC))
    prior = np.exp(-((x - 0.4 * depth) / (0.32 * depth)) ** 2 - (y / (0.55 * half)) ** 2)
    gland = np.clip(prior * (0.55 + 0.6 * field_), 0, 1)
    img = thickness * (0.35 + 0.55 * gland)
    if view == "MLO":  # pectoral muscle in the upper corner by the chest wall
        pect = (x / 45 + (y + rows * 0.56 * spacing) / 140) < 1
        img = np.where(pect & inside, np.maximum(img, 0.66 * thickness + 0.04 * field_), img)
    skin = inside & (r2 > 0.985)
    img = np.where(skin, img + 0.08, img)
    if positive:  # a cluster of microcalcifications
        cx, cy = 0.45 * depth / spacing, rows / 2 + g.uniform(-60, 60)
        for _ in range(9):
            i, j = int(cy + g.normal(0, 12)), int(cx + g.normal(0, 12))
            img[i:i + 2, j:j + 2] = 1.05
    img = np.where(inside, img, 0.0)
    img = blur(img) + 0.004 * generator(*key, "mgnoise", laterality, view).standard_normal(shape, dtype=np.float32)
    out = np.clip(np.rint(80 + img * 3600), 0, 4095).astype(np.uint16)
    return out[:, ::-1] if laterality == "R" else out


# --- series planning ---------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What the images need to know of the patient and the result."""

    sex: str = "M"  # "M" | "F"
    positive: bool = False
    side: str = "R"  # laterality of a limb exam


@dataclass(frozen=True)
class Frame:
    """One image and how it was made (what the DICOM encoder needs beyond the pixels)."""

    pixels: np.ndarray
    spacing: tuple[float, float]  # row, column (mm)
    image_type: tuple[str, ...]
    windows: tuple[tuple[float, float, str], ...]  # (centre, width, explanation)
    modality: str
    plane: Plane | None = None  # sections: geometry (ImagePositionPatient ...)
    thickness: float | None = None
    rescale: tuple[float, float] = (0.0, 1.0)  # intercept, slope
    photometric: str = "MONOCHROME2"
    bits_stored: int = 16
    signed: bool = False
    extra: dict = field(default_factory=dict)


def _data_window(pixels: np.ndarray, low: float = 1.0, high: float = 99.5,
                 rescale: tuple[float, float] = (0.0, 1.0), name: str = "AUTO") -> tuple[float, float, str]:
    values = pixels.astype(np.float32) * rescale[1] + rescale[0]
    lo, hi = np.percentile(values, [low, high])
    return round(float(lo + hi) / 2, 1), round(max(float(hi - lo), 1.0), 1), name


def _positions(top: float, bottom: float, count: int) -> list[float]:
    return [round(top + (bottom - top) * (i + 0.5) / count, 2) for i in range(count)]


def _thickness(description: str, default: float) -> float:
    m = re.search(r"(\d+(?:\.\d+)?)\s*mm", description)
    return float(m.group(1)) if m else default


# CT coverage per BodyPartExamined: z top, z bottom, FOV, centre (x, y), windows.
_CT_REGIONS: Final = {
    "HEAD": (-14, -168, 240, (0, -5), ((40, 80, "BRAIN"), (600, 2800, "BONE"))),
    "HEADNECK": (-20, -390, 260, (0, -5), ((300, 700, "ANGIO"), (40, 400, "SOFT TISSUE"))),
    "CHEST": (-275, -590, 380, (0, 0), ((40, 400, "MEDIASTINUM"), (-600, 1500, "LUNG"))),
    "HEART": (-415, -560, 220, (20, -30), ((300, 800, "ANGIO"), (40, 400, "SOFT TISSUE"))),
    "ABDOMEN": (-470, -720, 380, (0, 0), ((50, 350, "ABDOMEN"), (60, 160, "LIVER"))),
    "LSPINE": (-600, -800, 200, (0, 40), ((40, 400, "SOFT TISSUE"), (500, 2000, "BONE"))),
    "WHOLEBODY": (0, -940, 500, (0, 0), ((40, 400, "SOFT TISSUE"), (-600, 1500, "LUNG"))),
}


def _ct_phase(body_part: str, description: str) -> str:
    d = description.upper()
    for word, phase in (("ARTERIAL", "arterial"), ("PORTAL", "portal"), ("DELAY", "delay"),
                        ("PLAIN", "plain"), ("CALCIUM", "plain"), ("CTA", "cta")):
        if word in d:
            return phase
    return "cta" if body_part in {"HEADNECK", "HEART"} else "plain"


def _ct_frames(body_part: str, description: str, count: int, subject: Subject, seed: object,
               *, modality: str = "CT") -> list[Frame]:
    top, bottom, fov, (cx, cy), windows = _CT_REGIONS.get(body_part, _CT_REGIONS["CHEST"])
    model = body_model(sex=subject.sex, seed=seed, positive=subject.positive)
    d = description.upper()
    key = ("ct", seed, description)
    if "TOPOGRAM" in d or "SCOUT" in d or "LOCALIZER" in d:  # frontal, then lateral, projections
        z_mid, height = (top + bottom) / 2, abs(top - bottom) + 80
        frames = []
        for n in range(count):
            axis = 1 if n % 2 == 0 else 0
            centre = (cx if axis == 1 else cy, z_mid)
            view = Plane(axis, 0.0, centre, max(height, 400.0) / 512, (512, 512))
            p = project(model, view, XRAY)
            hu = np.rint(np.clip(p / max(float(p.max()), 1e-6), 0, 1) * 2600 - 1000
                         + 4 * generator(*key, "topo", n).standard_normal(view.shape)).astype(np.int16)
            frames.append(Frame(hu, (view.spacing, view.spacing), ("ORIGINAL", "PRIMARY", "LOCALIZER"),
                                (_data_window(hu, 0.5, 99.8),), modality, plane=view,
                                rescale=(-1024.0, 1.0), bits_stored=12))
        return frames
    phase = _ct_phase(body_part, description)
    thickness = _thickness(description, 5.0)
    derived = next((w for w in ("MIP", "VR", "CPR") if w in d.split()), None)
    frames = []
    for z in _positions(top, bottom, count):
        plane = Plane(2, z, (cx, cy), fov / 512, (512, 512))
        if derived:  # a thick-slab maximum intensity projection
            slabs = [ct_slice(model, Plane(2, z + dz, plane.center, plane.spacing, plane.shape),
                              phase=phase, key=key, noise=4) for dz in (-4.0, 0.0, 4.0)]
            hu = np.max(slabs, axis=0)
            image_type: tuple[str, ...] = ("DERIVED", "SECONDARY", derived)
        else:
            hu = ct_slice(model, plane, phase=phase, key=key, noise=4 if body_part == "HEAD" else 7)
            image_type = ("ORIGINAL", "PRIMARY", "AXIAL")
        frames.append(Frame(hu, (plane.spacing, plane.spacing), image_type, windows, modality,
                            plane=plane, thickness=thickness if not derived else 6.0,
                            rescale=(-1024.0, 1.0), bits_stored=12))
    return frames


def _mr_weighting(description: str, item_name: str) -> str:
    d = description.upper()
    words = set(re.findall(r"[A-Z0-9]+", d))
    if words & {"LOCALIZER", "SCOUT"}:
        return "localizer"
    if "MIP" in words:
        return "mrcp" if "MRCP" in item_name.upper() else "tof"
    for word, weighting in (("FLAIR", "flair"), ("DWI", "dwi"), ("STIR", "stir"), ("TOF", "tof"),
                            ("MRA", "tof"), ("MRCP", "mrcp")):
        if word in words:
            return weighting
    if "+C" in d:
        return "t1c"
    if "PDWI" in words or "PD" in words:
        return "pdfs" if "FS" in words else "pd"
    if "T1WI" in words or "T1" in words:
        return "t1"
    return "t2fs" if "FS" in words else "t2"


# MR coverage: body part -> default plane axis, FOV, and per plane axis (range on the axis,
# centre (column axis, row axis)).
_MRPlanes = dict[int, tuple[tuple[int, int] | None, tuple[int, int]]]
_MR_REGIONS: Final[dict[str, tuple[int, int, _MRPlanes]]] = {
    "HEAD": (2, 230, {2: ((-30, -160), (0, -5)), 0: ((-40, 40), (-5, -95)), 1: ((-60, 50), (0, -95))}),
    "CSPINE": (0, 240, {0: ((-12, 12), (30, -250)), 2: (None, (0, 22)), 1: ((0, 30), (0, -250))}),
    "LSPINE": (0, 300, {0: ((-16, 16), (45, -705)), 2: (None, (0, 40)), 1: ((10, 40), (0, -705))}),
    "KNEE": (0, 160, {0: ((-42, 42), (0, 0)), 1: ((-22, 40), (0, 0)), 2: ((-35, 55), (0, 5))}),
    "ABDOMEN": (1, 380, {1: ((-55, 45), (0, -640)), 2: ((-520, -720), (0, 0)), 0: ((-80, 40), (0, -640))}),
}


def _mr_axis(description: str, default: int) -> int:
    d = description.upper().split()
    if "SAG" in d:
        return 0
    if "COR" in d or "MRCP" in description.upper():
        return 1
    if "AX" in d or "TOF" in d:
        return 2
    return default


def _mr_frames(body_part: str, description: str, count: int, subject: Subject, seed: object,
               item_name: str = "") -> list[Frame]:
    region = body_part if body_part in _MR_REGIONS else "HEAD"
    default_axis, fov, planes = _MR_REGIONS[region]
    model = knee_model(side=subject.side, positive=subject.positive) if region == "KNEE" \
        else body_model(sex=subject.sex, seed=seed, positive=subject.positive)
    weighting = _mr_weighting(description, item_name)
    key = ("mr", seed, description)
    localizer = weighting == "localizer"
    derived = "MIP" in description.upper().split()
    axis = _mr_axis(description, default_axis)
    frames = []
    for n in range(count):
        ax = (0, 1, 2)[n % 3] if localizer else axis
        rng_, centre = planes[ax]
        if rng_ is None:  # axial spine images: a few slices through each of the lower discs
            discs = [z for name, z in disc_levels() if name[0] == region[0]][-3:]
            z0 = discs[n * len(discs) // count]
            w = z0 + (n % max(1, count // len(discs)) - 1) * 4.0
        elif localizer:
            w = (rng_[0] + rng_[1]) / 2
        elif weighting == "tof" and region == "HEAD":  # the circle of Willis
            w = _positions(-178.0, -110.0, count)[n]
        else:
            w = _positions(rng_[0], rng_[1], count)[n]
        plane = Plane(ax, w, centre, fov / 256, (256, 256))
        if derived:
            step = (rng_[1] - rng_[0]) / 10 if rng_ else 3.0
            img = np.max([mr_slice(model, Plane(ax, w + step * k, centre, plane.spacing, plane.shape),
                                   weighting=weighting, key=key) for k in range(-3, 4)], axis=0)
            image_type: tuple[str, ...] = ("DERIVED", "SECONDARY", "MIP")
        else:
            img = mr_slice(model, plane, weighting=weighting, key=key)
            image_type = ("ORIGINAL", "PRIMARY", "M", "NONE")
        thickness = 1.0 if "3D" in description.upper() else 4.0 if region == "KNEE" else 5.0
        frames.append(Frame(img, (plane.spacing, plane.spacing), image_type,
                            (_data_window(img, 1.0, 99.7, name="AUTO"),), "MR", plane=plane,
                            thickness=thickness, bits_stored=12,
                            extra={"weighting": weighting, "plane_name": _AXIS_NAMES[ax]}))
    return frames


# DX views: body part -> centre (x or y, z), spacing, shape (rows, cols).
_DX_REGIONS: Final = {
    "CHEST": ((0, -440), (45, -440), 0.42, (1024, 1024)),
    "ABDOMEN": ((0, -730), (20, -730), 0.42, (1024, 832)),
    "LSPINE": ((0, -715), (45, -715), 0.35, (1024, 768)),
    "CSPINE": ((0, -245), (20, -235), 0.25, (1024, 768)),
    "KNEE": ((0, 0), (0, 0), 0.22, (1024, 768)),
    "SKULL": ((0, -100), (0, -100), 0.28, (1024, 832)),
}


def _dx_frames(modality: str, body_part: str, description: str, count: int, subject: Subject,
               seed: object) -> list[Frame]:
    region = body_part if body_part in _DX_REGIONS else "CHEST"
    frontal_c, lateral_c, spacing, shape = _DX_REGIONS[region]
    lateral = "LAT" in description.upper().split()
    view_position = "LL" if lateral else ("AP" if "AP" in description.upper().split() else "PA")
    model = knee_model(side=subject.side, positive=subject.positive) if region == "KNEE" \
        else body_model(sex=subject.sex, seed=seed, positive=subject.positive,
                        limbs=region == "CHEST" and not lateral)
    frames = []
    for n in range(count):
        centre = lateral_c if lateral else frontal_c
        view = Plane(0 if lateral else 1, 0.0, (centre[0] + 3 * n, centre[1] - 4 * n), spacing, shape)
        img = radiograph(model, view, key=("dx", seed, description, n))
        photometric = "MONOCHROME2"
        if modality == "CR":  # CR readers commonly store MONOCHROME1 (high values dark)
            img, photometric = (4095 - img).astype(np.uint16), "MONOCHROME1"
        window = _data_window(img, 0.5, 99.8)
        orientation = ("P", "F") if lateral else ("L", "F")
        frames.append(Frame(img, (spacing, spacing), ("ORIGINAL", "PRIMARY", ""), (window,), modality,
                            photometric=photometric, bits_stored=12,
                            extra={"view_position": view_position, "patient_orientation": orientation}))
    return frames


def _mg_frames(description: str, count: int, subject: Subject, seed: object) -> list[Frame]:
    words = description.upper().split()
    laterality = "L" if "L" in words else "R"
    view = "MLO" if "MLO" in words else "CC"
    orientation = {("R", "CC"): ("P", "L"), ("L", "CC"): ("A", "R"),
                   ("R", "MLO"): ("P", "F"), ("L", "MLO"): ("A", "F")}[(laterality, view)]
    frames = []
    for n in range(count):
        img = mammogram(laterality=laterality, view=view, positive=subject.positive,
                        key=("mg", seed, n))
        frames.append(Frame(img, (0.23, 0.23), ("ORIGINAL", "PRIMARY", ""), (_data_window(img, 2, 99.9),),
                            "MG", bits_stored=12,
                            extra={"view_position": view, "laterality": laterality,
                                   "patient_orientation": orientation}))
    return frames


def _us_frames(body_part: str, count: int, subject: Subject, seed: object) -> list[Frame]:
    frames = []
    for n in range(count):
        t = -1 + 2 * n / (count - 1) if count > 1 else 0.0
        img, geometry = ultrasound(body_part, t=t, positive=subject.positive, key=("us", seed, n))
        frames.append(Frame(img, (geometry["mm_per_pixel"],) * 2, ("ORIGINAL", "PRIMARY", ""),
                            ((128.0, 256.0, "NORMAL"),), "US", bits_stored=8, extra=geometry))
    return frames


def _nm_frames(description: str, count: int, subject: Subject, seed: object) -> list[Frame]:
    posterior = "POST" in description.upper()
    model = body_model(sex=subject.sex, seed=seed, positive=subject.positive, limbs=True)
    frames = []
    for n in range(count):
        view = Plane(1, 0.0, (0.0, -880.0 - 2 * n), 4.0, (512, 128))
        img = bone_scan(model, view, posterior=posterior, key=("nm", seed, description, n))
        frames.append(Frame(img, (4.0, 4.0), ("ORIGINAL", "PRIMARY", "WHOLE BODY", "EMISSION"),
                            (_data_window(img, 1, 99.5),), "NM",
                            extra={"view": "POST" if posterior else "ANT",
                                   "patient_orientation": ("R", "F") if posterior else ("L", "F")}))
    return frames


def _pt_frames(count: int, subject: Subject, seed: object) -> list[Frame]:
    model = body_model(sex=subject.sex, seed=seed, positive=subject.positive)
    top, bottom, *_ = _CT_REGIONS["WHOLEBODY"]
    frames = []
    for z in _positions(top, bottom, count):
        plane = Plane(2, z, (0.0, 0.0), 4.0, (128, 128))
        suv = pet_slice(model, plane, key=("pt", seed))
        frames.append(Frame(suv, (4.0, 4.0), ("ORIGINAL", "PRIMARY"), ((2.5, 5.0, "SUV 0-5"),), "PT",
                            plane=plane, thickness=4.0, extra={"suv": True}))
    return frames


def series_frames(modality: str, body_part: str, description: str, count: int, subject: Subject,
                  seed: object, *, item_name: str = "") -> list[Frame]:
    """``count`` images of one series: ``modality`` (DICOM code, DR is treated as DX),
    ``body_part`` (BodyPartExamined), ``description`` (SeriesDescription: view, plane,
    weighting or contrast phase)."""
    if count < 1:
        raise ValueError("a series has at least one image")
    words = description.upper().split()
    if modality == "CT" or (modality == "PT" and "CT" in words):
        return _ct_frames(body_part if modality == "CT" else "WHOLEBODY", description, count, subject, seed)
    if modality == "PT":
        return _pt_frames(count, subject, seed)
    if modality == "MR":
        return _mr_frames(body_part, description, count, subject, seed, item_name)
    if modality == "MG":
        return _mg_frames(description, count, subject, seed)
    if modality == "US":
        return _us_frames(body_part, count, subject, seed)
    if modality == "NM":
        return _nm_frames(description, count, subject, seed)
    if modality in {"DX", "DR", "CR"}:
        return _dx_frames(modality if modality == "CR" else "DX", body_part, description, count, subject, seed)
    frames = _dx_frames("DX", body_part, description, count, subject, seed)  # XA, RF, OT ...
    return [Frame(f.pixels, f.spacing, ("DERIVED", "SECONDARY"), f.windows, modality,
                  bits_stored=12, extra=f.extra) for f in frames]
