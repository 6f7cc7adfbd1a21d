"""``styleledger settle``: the ledger's command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from indexer import console
from indexer.db.base import make_session_factory
from indexer.db.locks import exclusive
from indexer.errors import ChainError, NothingToSettle
from indexer.ledger.posting import forward_royalties
from indexer.ledger.publication import write_epoch_file
from indexer.settings import Settings

SETTLER_KEY_ENV = "STYLELEDGER_SETTLER_KEY"

DatabaseOpt = Annotated[str | None, typer.Option(help="Database URL [STYLELEDGER_DATABASE_URL].")]
DeploymentOpt = Annotated[
    Path | None, typer.Option(help="Deployment file [STYLELEDGER_DEPLOYMENT].")
]


def settle(
    as_of_block: Annotated[
        int | None, typer.Option(help="Settle mints up to this block (default: indexed head).")
    ] = None,
    uri: Annotated[
        str | None,
        typer.Option(
            help="Where the epoch's file can be fetched ({epoch}: its number); default "
            "STYLELEDGER_API_PUBLIC_URL/epochs/{epoch}.json, the service's route."
        ),
    ] = None,
    no_post: Annotated[
        bool, typer.Option("--no-post", help="Build and store the epoch only.")
    ] = False,
    rpc_url: Annotated[str | None, typer.Option(help="JSON-RPC URL [STYLELEDGER_RPC_URL].")] = None,
    database_url: DatabaseOpt = None,
    deployment: DeploymentOpt = None,
) -> None:
    """Close an epoch: cumulative entitlements, Merkle tree and proofs, root posted on-chain.

    The settler key comes from STYLELEDGER_SETTLER_KEY. Crash-safe: run it again to resume.
    """
    from indexer.ledger import epochs as st

    settings = console.settings(rpc_url=rpc_url, database_url=database_url, deployment=deployment)
    console.quiet_logging()
    engine = console.database(settings)
    factory = make_session_factory(engine)
    poster = None
    try:
        if no_post:
            dep = console.indexed_deployment(settings, factory)
        else:
            from indexer.chain.connection import open_chain

            if settings.settler_key is None:
                raise console.fail(
                    f"set {SETTLER_KEY_ENV} to the settler's private key (or --no-post)"
                )
            key = settings.settler_key.get_secret_value()
            try:
                w3, dep = open_chain(
                    settings.rpc_url, settings.deployment, timeout=settings.rpc_timeout
                )
                console.check_deployment(factory, dep)
                dist = dep.contracts["PayoutDistributor"]
                poster = st.RootPoster(w3, dist.address, dist.abi, key)
            except ChainError as exc:
                raise console.fail(exc) from exc
            except ValueError as exc:
                raise console.fail(f"{SETTLER_KEY_ENV} is not a private key: {exc}") from exc
        with (
            console.one_line_errors(settings),
            exclusive(engine, "settle", wait=False),  # a second settle says so and stops
            factory() as session,
        ):
            receivers = _receivers(factory)
            if poster is not None:
                royalties = forward_royalties(poster.w3, receivers, poster.sender)
            elif receivers:
                royalties = _royalties_left(settings, receivers)
            else:
                royalties = None
            try:
                summary = st.settle(
                    session,
                    poster=poster,
                    platform=dep.platform or "",
                    default_bps=dep.platform_bps,
                    as_of_block=as_of_block,
                    uri=uri if uri is not None else publication_uri(settings),
                )
            except NothingToSettle as exc:
                typer.echo(str(exc))  # a scheduled settle with nothing new is not an alarm
                if royalties is not None:
                    typer.echo(royalties.describe())
                return
            left = st.unsettled_summary(session, summary.as_of_block)
            try:
                published: object = write_epoch_file(
                    session, summary.number, settings.data_dir / "epochs"
                )
            except OSError as exc:  # the root stands; only the static copy is missing
                published = f"nothing (cannot write {settings.data_dir / 'epochs'}: {exc})"
    finally:
        engine.dispose()
    verb = "resumed" if summary.resumed else "built"
    typer.echo(
        f"epoch {summary.number} {verb}: root {summary.root}, total {summary.total} wei, "
        f"{summary.leaf_count} accounts, up to block {summary.as_of_block}; status {summary.status}"
        + (f" (tx {summary.tx_hash})" if summary.tx_hash else "")
    )
    typer.echo(f"published {published} (served at /epochs/{summary.number}.json)")
    if royalties is not None:
        typer.echo(royalties.describe())
    if not summary.uri.startswith(("http://", "https://")):
        typer.secho(
            "warning: the root names no fetchable file: set STYLELEDGER_API_PUBLIC_URL (or --uri)",
            fg=typer.colors.YELLOW,
            err=True,
        )
    if left["tokens_not_rendered"] or left["entries_waiting"]:
        typer.echo(
            f"not in this epoch: {left['tokens_not_rendered']} tokens not rendered yet, "
            f"{left['entries_waiting']} ledger entries waiting (held or newer)"
        )


def _receivers(factory) -> dict[int, str]:
    """Each indexed project's EIP-2981 receiver clone."""
    from sqlalchemy import select

    from indexer.db.models.chain import Project

    with factory() as session:
        rows = session.execute(
            select(Project.project_id, Project.royalty_receiver).where(
                Project.royalty_receiver.is_not(None)
            )
        )
        return {int(pid): str(address) for pid, address in rows}


def _royalties_left(settings: Settings, receivers: dict[int, str]):
    """--no-post: what waits in the receivers, when the chain can be read (else nothing said)."""
    from indexer.chain.connection import connect

    try:
        w3 = connect(settings.rpc_url, timeout=settings.rpc_timeout)
    except ChainError:
        return None
    return forward_royalties(w3, receivers, None)


def publication_uri(settings: Settings) -> str:
    """Where the service publishes each epoch's file: STYLELEDGER_API_PUBLIC_URL's /epochs/N.json
    (a template: the epoch's number replaces {epoch}); empty without a public URL."""
    base = settings.api_public_url.rstrip("/")
    return f"{base}/epochs/{{epoch}}.json" if base else ""


def register(app: typer.Typer) -> None:
    """Add ``settle`` to the ``styleledger`` application."""
    app.command("settle")(settle)
