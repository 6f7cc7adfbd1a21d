"""``python -m tests.support.crash CHECKPOINT ARGS...``: the `styleledger` command, killed with
SIGKILL when ``settle`` reaches CHECKPOINT (``built``: the epoch committed, its root not sent;
``sent``: the root transaction sent, not yet mined). The crash tests' hook; the command itself
knows no such setting."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any


def main() -> None:
    point, *args = sys.argv[1:]
    from indexer.ledger import epochs

    real_settle = epochs.settle

    def checkpoint(name: str) -> None:
        if name == point:
            os.kill(os.getpid(), signal.SIGKILL)

    def settle(*a: Any, **kw: Any) -> Any:
        return real_settle(*a, checkpoint=checkpoint, **kw)

    epochs.settle = settle  # the command looks it up when it runs
    from indexer.cli import main as styleledger

    sys.argv = ["styleledger", *args]
    styleledger()


if __name__ == "__main__":
    main()
