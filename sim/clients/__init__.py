"""Clients the simulated parties use to call their peers (simulated or external)."""
