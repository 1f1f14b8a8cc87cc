"""imgcloud-sandbox's reference implementation: what each party of the imaging-cloud
interfaces does, serving and calling (``sim`` drives it; this package never imports ``sim``)."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("imgcloud-sandbox")
except PackageNotFoundError:  # imported from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
