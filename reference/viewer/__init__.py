"""The viewer: every page a browser opens (the centre's report and image pages, the cloud's
film page, error pages) rendered from Jinja2 templates by one renderer, and DICOM images
rendered as PNG (``render.py``).  Families pass data; the markup lives in ``templates/``."""
from __future__ import annotations

from .pages import error_page, image_png, render_page

__all__ = ["error_page", "image_png", "render_page"]
