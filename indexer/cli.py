"""The `styleledger` command: one application, each package adds its commands."""

from __future__ import annotations

import typer

from generator.cli import register as register_generator
from indexer.api.cli import register as register_service

app = typer.Typer(
    help="StyleLedger: pay artists whose styles shape AI images.",
    no_args_is_help=True,
    add_completion=False,
)
register_generator(app)
register_service(app)


@app.command()
def version() -> None:
    """Print the installed version."""
    from importlib.metadata import version as dist_version

    typer.echo(dist_version("styleledger"))


def main() -> None:
    app()
