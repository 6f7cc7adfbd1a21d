"""The `styleledger` command: one Typer application; each package adds its commands.

=================  =============================  ============================================
command            package                        what it does
=================  =============================  ============================================
render, train      generator (generator/cli.py)   render a hash; train the default model
index, db          indexer.sync                   follow the chain; migrate the database
render-worker      indexer.render                 render and attribute every minted token
verify             indexer.render                 re-render a token (or a record) and compare
settle             indexer.ledger                 close an epoch, post its root
style train/prove  indexer.styles                 learn an adapter from works; prove a work
serve              indexer.api                    the HTTP service and the page
demo               indexer.demo                   the whole story on a local chain
=================  =============================  ============================================

This module is the composition root: it is the one place that hands the ledger's rollback hooks
to the sync (which never imports the ledger). Importing it does not import torch.
"""

from __future__ import annotations

import os

import typer

from generator.cli import register as register_generator
from generator.runtime import pin_process_environment
from indexer.api.cli import register as register_service
from indexer.demo.cli import register as register_demo
from indexer.ledger.cli import register as register_ledger
from indexer.ledger.epochs import ROLLBACK_HOOKS
from indexer.render.cli import register as register_render
from indexer.styles.cli import register as register_styles
from indexer.sync.cli import SyncHooks
from indexer.sync.cli import register as register_sync

app = typer.Typer(
    help="StyleLedger: pay artists whose styles shape AI images.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _context(ctx: typer.Context) -> None:
    ctx.obj = SyncHooks(rollback_hooks=ROLLBACK_HOOKS)


register_generator(app)
register_sync(app)
register_render(app)
register_styles(app)
register_ledger(app)
register_service(app)
register_demo(app)


@app.command()
def version() -> None:
    """Print the installed version."""
    from importlib.metadata import version as dist_version

    typer.echo(dist_version("styleledger"))


def main() -> None:
    """The console script: the canonical render environment pinned before torch loads
    (generator.runtime); no model hub is ever asked (every model is a local folder)."""
    pin_process_environment()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    app()
