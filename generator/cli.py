"""Command-line commands of the generator (train, render, verify), mounted on `styleledger`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the generator's commands to the `styleledger` application."""
