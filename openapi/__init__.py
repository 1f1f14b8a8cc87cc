"""The interface contracts: one OpenAPI 3 spec per family (WSDL and XSD under ``soap/``).

This directory is installed as the data package ``reference.contracts`` (see ``setup.py``),
so the files are found through package resources wherever the sandbox is installed.
"""
