"""What every step of the story is handed: the options, the console, the chain and its actors,
the output folder and the result being filled in."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.demo.actors import Actor, DemoChain
from indexer.demo.types import DemoOptions, DemoResult


@dataclass
class StoryContext:
    options: DemoOptions
    console: Any
    chain: DemoChain
    actors: list[Actor]
    out_dir: Path
    model_dir: Path
    result: DemoResult

    def by_role(self, role: str) -> list[Actor]:
        return [a for a in self.actors if a.role == role]

    def actor_at(self, address: str) -> Actor | None:
        return next((a for a in self.actors if a.address.lower() == address.lower()), None)

    def progress(self):  # a rich progress display (silent when the console is quiet)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        return Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
            disable=self.console.quiet,
        )
