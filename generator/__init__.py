"""StyleLedger's generator: the default model, hash-seeded rendering and DAAM-style attribution."""
