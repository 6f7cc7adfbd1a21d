"""The tables: the chain's projections (``chain``) and the ledger's (``ledger``), on one ``Base``."""
