"""Upstash Redis Search (``SEARCH.*``): the index model, analysis, filters, scoring, aggregations.

One concept per module: ``schema`` (field types and options), ``analysis`` (tokenizer and
stemmer), ``values`` (typed field values and dates), ``index`` (the ``search`` key value and
its lazy sync with the keyspace), ``filters`` (the JSON filter language), ``scoring`` (BM25
and SCOREFUNC), ``highlight`` and ``aggregations``; ``commands`` implements the commands
the ``search`` family (``fakestash._engine.commands.search``) declares.
"""
