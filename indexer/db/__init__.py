"""StyleLedger's database: one declarative base (base.py), the exact wei type (types.py), the
chain's and the ledger's tables (models/), queries "as of a log position" (queries.py), named
locks (locks.py) and the Alembic migrations (migrate.py, migrations/)."""
