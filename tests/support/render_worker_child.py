"""A render worker process for the concurrency test: ``python -m tests.support.render_worker_child URL LOG``.

Runs ``indexer.render.worker.Worker`` until the queue is empty, with a renderer that appends
each token id it is asked to render to LOG (flushed at once, before any result is written) and
takes a little time, so two processes overlap. Prints the ids its results were stored for.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from indexer.db.base import make_engine, make_session_factory
from indexer.render.worker import Worker
from tests.support.ledger import fake_renderer


def main() -> None:
    url, log_path = sys.argv[1], Path(sys.argv[2])
    inner = fake_renderer({"red": 250_000, "stripes": 750_000})

    def render(inp, data_dir, model_paths):
        with log_path.open("a") as fh:
            fh.write(f"{inp.token_id}\n")
            fh.flush()
            os.fsync(fh.fileno())
        time.sleep(0.02)
        return inner(inp, data_dir, model_paths)

    engine = make_engine(url)
    worker = Worker(make_session_factory(engine), Path("unused"), "0x" + "f0" * 20, renderer=render)
    worker.run(once=True)
    engine.dispose()
    print(json.dumps({"worker": worker.worker_id, "rendered": worker.rendered}))


if __name__ == "__main__":
    main()
