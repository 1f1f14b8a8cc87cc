"""Packaging beyond pyproject.toml: the top-level data directories users read (``openapi/``,
``scenarios/``) ship inside the distribution as data packages, found through package
resources (``reference/resources.py``) by a wheel installed anywhere as by an editable checkout."""
import os

from setuptools import find_namespace_packages, setup

DATA_PACKAGES = {"reference.contracts": "openapi", "sim.scenario.bundled": "scenarios"}


def data_packages() -> list[str]:
    """Each data directory and its subdirectories (``openapi/_shared``) as package names."""
    found = []
    for package, root in DATA_PACKAGES.items():
        for here, dirs, _ in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__")))
            relative = os.path.relpath(here, root)
            found.append(package if relative == "." else f"{package}.{relative.replace(os.sep, '.')}")
    return found


setup(
    packages=[*find_namespace_packages(include=["reference*", "sim*"], exclude=["*.__pycache__"]), *data_packages()],
    package_dir=DATA_PACKAGES,
)
