"""What the Python tests share: chains and databases (chain.py, postgres.py), ledger rows
without a chain (ledger.py), a tiny SD-layout model (sd_factory.py), the browser harness
(browser.py), the pytest fixtures (fixtures.py, loaded by tests/conftest.py) and the one
"skip here, fail under CI=true" rule (skip.py)."""
