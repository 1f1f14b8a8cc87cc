"""The HTTP transport (Connexion 3 AsyncApp, spec-first): the front door (``specs.py`` joins the
families' contracts, ``resolver.py`` maps each ``operationId`` to its family's handler,
``validation.py`` inspects bodies), the one error boundary (``boundary.py``), the inbound
recorder (``recorder.py``), the outbound recording client (``client.py``) and the docs
(``docs.py``)."""
