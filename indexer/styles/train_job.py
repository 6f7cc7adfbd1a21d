"""The child process of an adapter-training job (:mod:`indexer.styles.jobs`).

``python -m indexer.styles.train_job JOB_DIR`` trains the adapter ``JOB_DIR/job.json`` asks for,
on the works in ``JOB_DIR/works``, into ``JOB_DIR`` itself. It writes one JSON object per line on
stdout: ``{"step", "steps", "loss"}`` after each optimiser step, then ``{"done": {"adapter_id",
"works_root", "train_s"}}`` (exit 0) or ``{"error": "..."}`` when the works cannot be trained on
(exit 2); anything else is a traceback on stderr (exit 1). It exits as soon as its stdin closes:
the service that started it is gone.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path


def _say(**message: object) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _exit_when_orphaned() -> None:
    sys.stdin.read()  # returns at end of file: the parent closed the pipe, or died
    os._exit(3)


def main(argv: list[str] | None = None) -> int:
    from generator.runtime import pin_process_environment

    pin_process_environment()  # before torch loads, as every entry point
    threading.Thread(target=_exit_when_orphaned, daemon=True).start()
    [folder] = [Path(a) for a in (sys.argv[1:] if argv is None else argv)]
    job = json.loads((folder / "job.json").read_text())

    from generator.training.adapter import WorksError, train_adapter
    from generator.training.config import AdapterConfig
    from indexer.styles.jobs import WORKS_DIR, works_of

    cfg = AdapterConfig(
        works_dir=folder / WORKS_DIR,
        keyword=job["keyword"],
        out_dir=folder,
        base_model=Path(job["base_model"]),
        steps=int(job["steps"]),
        threads=int(job["threads"]),
        progress=False,
    )
    try:
        tree = works_of(cfg.works_dir, cfg.keyword)
        manifest = train_adapter(
            cfg,
            works_root=tree.root,
            works_dump=tree.dump(),
            on_step=lambda step, steps, losses: _say(step=step, steps=steps, **losses),
        )
    except WorksError as exc:
        _say(error=str(exc))
        return 2
    _say(
        done={
            "adapter_id": manifest["adapter_id"],
            "works_root": tree.root,
            "train_s": manifest["figures"]["train_s"],
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
