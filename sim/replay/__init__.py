"""Recorded exchanges as scenario steps, per transport (record and replay, issue 13; ``sim/record.py``)."""
