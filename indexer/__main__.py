"""``python -m indexer``: the `styleledger` command (as scripts and tests start it)."""

from indexer.cli import main

if __name__ == "__main__":
    main()
