"""The `styleledger` command: one application, each package adds its commands."""

from __future__ import annotations

import typer

from generator.cli import register as register_generator
from indexer.api.cli import register as register_service
from indexer.demo import register as register_demo
from indexer.ledger_cli import register as register_ledger
from indexer.sync_cli import register as register_sync

app = typer.Typer(
    help="StyleLedger: pay artists whose styles shape AI images.",
    no_args_is_help=True,
    add_completion=False,
)
register_generator(app)
register_service(app)
register_sync(app)
register_ledger(app)  # after the generator's: its `verify` also takes TOKEN_ID
register_demo(app)


@app.command()
def version() -> None:
    """Print the installed version."""
    from importlib.metadata import version as dist_version

    typer.echo(dist_version("styleledger"))


def main() -> None:
    app()
