"""Render a stored DICOM image as an 8-bit PNG, the way a simple viewer shows it.

Grayscale: Modality LUT (Rescale Slope / Intercept), then the file's own first
Window Center / Width (VOI LUT Function LINEAR by default, LINEAR_EXACT and SIGMOID as
defined), DICOM PS3.3 C.11.2.1.2; without a window, the data's full range.  MONOCHROME1 is
inverted after the VOI transform.  RGB (and YBR, which pydicom converts) passes through;
PALETTE COLOR is looked up.  Only the first frame of a multi-frame image is rendered.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.pixels import apply_color_lut

__all__ = ["render_png", "voi_linear"]


def _first(value: object) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (MultiValue, list, tuple)):
        return float(value[0]) if len(value) else None
    return float(value)  # type: ignore[arg-type]


def voi_linear(x: np.ndarray, center: float, width: float, function: str = "LINEAR") -> np.ndarray:
    """The VOI LUT of PS3.3 C.11.2.1.2 mapping values ``x`` to 0..255 (float32)."""
    x = x.astype(np.float32, copy=False)
    if function == "SIGMOID":
        return (255.0 / (1.0 + np.exp(-4.0 * (x - center) / max(width, 1e-6)))).astype(np.float32)
    if function == "LINEAR_EXACT":
        return np.clip(((x - center) / max(width, 1e-6) + 0.5) * 255.0, 0, 255)
    if width <= 1:  # a threshold (C.11.2.1.2.1: width >= 1)
        return np.where(x > center - 0.5, 255.0, 0.0).astype(np.float32)
    return np.clip(((x - (center - 0.5)) / (width - 1) + 0.5) * 255.0, 0, 255)


def _grayscale(ds: Dataset, pixels: np.ndarray) -> np.ndarray:
    slope = _first(ds.get("RescaleSlope")) or 1.0
    intercept = _first(ds.get("RescaleIntercept")) or 0.0
    values = pixels.astype(np.float32) * np.float32(slope) + np.float32(intercept)
    center, width = _first(ds.get("WindowCenter")), _first(ds.get("WindowWidth"))
    if center is None or width is None or width <= 0:
        lo, hi = float(values.min()), float(values.max())
        center, width, function = (lo + hi) / 2, max(hi - lo, 1.0), "LINEAR_EXACT"
    else:
        function = str(ds.get("VOILUTFunction", "LINEAR") or "LINEAR").upper()
    out = voi_linear(values, center, width, function)
    if ds.get("PhotometricInterpretation") == "MONOCHROME1":
        out = 255.0 - out
    return np.rint(out).astype(np.uint8)


def render_png(data: bytes, *, max_size: int | None = None) -> bytes:
    """PNG bytes of the image in the DICOM Part-10 ``data``; with ``max_size``, scaled down
    (aspect kept) so neither side exceeds it (thumbnails)."""
    ds = dcmread(io.BytesIO(data))
    pixels = ds.pixel_array
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    if frames > 1:
        pixels = pixels[0]
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
    if photometric == "PALETTE COLOR":
        rgb = apply_color_lut(pixels, ds)
        bits = int(ds.get("RedPaletteColorLookupTableDescriptor", [0, 0, 16])[2])
        image = Image.fromarray((rgb >> (bits - 8) if bits > 8 else rgb).astype(np.uint8), "RGB")
    elif samples == 3:
        if pixels.dtype != np.uint8:
            pixels = (pixels >> (int(ds.BitsStored) - 8)).astype(np.uint8)
        image = Image.fromarray(np.ascontiguousarray(pixels), "RGB")
    else:
        image = Image.fromarray(_grayscale(ds, pixels), "L")
    if max_size is not None and max(image.size) > max_size:
        image.thumbnail((max_size, max_size), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()
