"""Scenario files (data, not code): installed as the data package ``sim.scenario.bundled``
(see ``setup.py``), so ``imgcloud scenario list`` finds them wherever the sandbox is installed."""
