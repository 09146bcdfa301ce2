"""Conformance: check the fake against a real endpoint (``fakestash conformance``).

The suite is shipped, so anyone can run it against their own Upstash database, a
``fakestash serve``, a REST proxy over Redis or a Redis server: wire checks and the spec's
open questions (``checks.py``), and seeded random command sequences per family
(``families/``), sent through the REST API to the endpoint and to an in-process fake side by
side (``differential.py``, ``wire.py``), compared with the rules in ``normalise.py``, safely
(``scope.py``), by ``runner.py``, reported by ``report.py``. The repository's own conformance
tests drive the same code.
"""
