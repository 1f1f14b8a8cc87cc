"""The rule catalogue: every check beyond the schema, and the schema's own, as named data.

A rule has an id, a severity, the field it concerns, a Chinese and an English message
and the seed section it comes from.  Rules marked ``lenient: warning`` are the known
drift of INTERFACES.md: errors in strict mode, warnings in lenient mode.  Handlers
never write messages themselves; they ask the book for a finding.
"""
from __future__ import annotations

from .book import RULES, Finding, Rule, RuleBook, verdict_of

__all__ = ["RULES", "Finding", "Rule", "RuleBook", "verdict_of"]
