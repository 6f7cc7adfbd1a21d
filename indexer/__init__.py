"""StyleLedger's indexer: chain sync, database, render jobs, ledger, settlement, API and web page."""
