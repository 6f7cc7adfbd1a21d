"""StyleLedger's HTTP service: FastAPI over the indexer's database, and the web page."""
