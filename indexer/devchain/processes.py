"""Subprocesses in process groups of their own, stopped together (also on Ctrl-C and errors)."""

from __future__ import annotations

import os
import signal
import subprocess
from typing import Any


class Processes:
    """Every subprocess started through it, each in a process group of its own; ``stop_all``
    ends them (SIGTERM to the group, SIGKILL after a grace period)."""

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen[str]] = []
        self.started: list[int] = []  # every pid ever started (for checks that none is left)

    def start(self, cmd: list[str], **kwargs: Any) -> subprocess.Popen[str]:
        proc = subprocess.Popen(cmd, start_new_session=True, text=True, **kwargs)
        self._procs.append(proc)
        self.started.append(proc.pid)
        return proc

    @staticmethod
    def stop(proc: subprocess.Popen[str], grace: float = 5.0) -> None:
        if proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def stop_all(self) -> None:
        for proc in reversed(self._procs):
            self.stop(proc)
        self._procs.clear()

    @property
    def running(self) -> list[int]:
        return [p.pid for p in self._procs if p.poll() is None]
