"""Sandbox configuration: one YAML file naming every party, storage, validation and seed.

The built-in default (``default.yaml`` beside this module) is always the base; a user
file given with ``--config`` is merged over it key by key, so a user file only names
what it changes.  Invalid configuration fails at start with a message naming the key.
"""
from __future__ import annotations

from .loader import ConfigError, load_config
from .model import (
    PARTY_IDS,
    Config,
    DicomCharset,
    GatewayConfig,
    GatewaySourceConfig,
    InstitutionConfig,
    PartyConfig,
    ValidationMode,
)

__all__ = [
    "PARTY_IDS",
    "Config",
    "ConfigError",
    "DicomCharset",
    "GatewayConfig",
    "GatewaySourceConfig",
    "InstitutionConfig",
    "PartyConfig",
    "ValidationMode",
    "load_config",
]
