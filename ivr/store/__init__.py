"""Storage: the schema (``models``), its migrations (``migrate``), the database handle (``db``),
and the call plan in and out of the database (``apply``, ``export``)."""
