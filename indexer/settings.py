"""Every ``STYLELEDGER_*`` setting of the indexer, the render workers, settle and the service.

One pydantic ``Settings``: a field ``database_url`` is the variable ``STYLELEDGER_DATABASE_URL``,
``api_public_url`` is ``STYLELEDGER_API_PUBLIC_URL``. A ``.env`` file in the working directory is
read too. Bad values fail at start-up with the variable's name (:class:`ConfigError`). Secrets
(the settler's key, the demo's mnemonic) are ``SecretStr``: never printed, never in a repr.

Two programs read their own variables: ``scripts/deploy.py`` (brownie's environment, where
pydantic-settings cannot be installed: ``STYLELEDGER_RPC_URL``, ``STYLELEDGER_DEPLOYMENTS_DIR``)
and the generator (``STYLELEDGER_MODELS`` through ``generator.models.search_paths``, the one
parser of that variable, which ``Settings.model_paths`` uses too).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from indexer.errors import ConfigError, DatabaseURLError


class Settings(BaseSettings):
    """What every StyleLedger process reads from ``STYLELEDGER_*`` environment variables."""

    model_config = SettingsConfigDict(
        env_prefix="STYLELEDGER_", env_file=".env", extra="ignore", frozen=True
    )

    # SQLAlchemy URL: sqlite:///path (default) or postgresql+psycopg://user:pw@host/db.
    database_url: str = "sqlite:///data/styleledger.sqlite"
    # JSON-RPC endpoint over HTTP(S).
    rpc_url: str = "http://127.0.0.1:8545"
    # deployments/<chainId>.json; None = deployments/<chainId of the RPC>.json.
    deployment: Path | None = None
    # Blocks behind the head that are never indexed (0 on dev chains; a chain's finality on mainnet).
    confirmations: int = Field(default=0, ge=0, le=10_000)
    # First and largest eth_getLogs range in blocks (providers cap ranges at 2,000-10,000).
    chunk_size: int = Field(default=2_000, ge=1, le=1_000_000)
    max_chunk_size: int = Field(default=10_000, ge=1, le=1_000_000)
    # How many recent blocks' hashes are kept to find the fork point of a reorg.
    reorg_window: int = Field(default=256, ge=1, le=100_000)
    # Seconds between polls of the head when following.
    poll_interval: float = Field(default=2.0, gt=0)
    # Seconds before an RPC request counts as a timeout (the chunk is then halved).
    rpc_timeout: float = Field(default=30.0, gt=0)
    # Model search paths (os.pathsep-separated folders), then the shipped default model.
    models: str = ""
    # Where rendered PNGs and heat maps are stored (content-addressed).
    data_dir: Path = Path("data")
    # The settler's private key (0x + 64 hex): `styleledger settle` posts roots with it.
    settler_key: SecretStr | None = None

    # ── the service (`styleledger serve`) ──
    # Absolute base of image URLs in token metadata (e.g. https://styleledger.example);
    # empty = the base URL of each request.
    api_public_url: str = ""
    # Free previews: cache misses a client may render per minute, and at once.
    api_preview_per_minute: float = Field(default=12.0, ge=0)
    api_preview_burst: int = Field(default=4, ge=1, le=1_000)
    # Rendered previews kept in memory (a 128 px PNG is ~30 KB).
    api_preview_cache_size: int = Field(default=256, ge=1, le=100_000)
    # Seconds a chain head read by /health is reused (keeps /health cheap under polling).
    api_head_cache_seconds: float = Field(default=1.0, ge=0)
    # The wallet app (web/): the RPC URL a wallet is asked to add for this chain (empty = rpc_url),
    # the chain's display name there (empty = "StyleLedger chain <id>"), and a block explorer's
    # base URL for transaction links (empty = none, as on dev chains).
    api_wallet_rpc_url: str = ""
    api_chain_name: str = ""
    api_explorer_url: str = ""
    # Style adapters trained from uploaded works (POST /adapters/jobs, one job at a time, into
    # <data_dir>/adapters): the base model folder (empty = the shipped default model), optimiser
    # steps and CPU threads per job (empty = the training defaults, generator/training/config.py),
    # the most works per job, bytes per work and per upload, jobs waiting at once (0: no
    # training on this server), and the hours a failed job's folder (its uploaded works) is kept
    # after it failed (0: forever; a done job's folder is its adapter and is never removed).
    api_adapter_base_model: Path | None = None
    api_adapter_steps: int | None = Field(default=None, ge=1, le=100_000)
    api_adapter_threads: int | None = Field(default=None, ge=1, le=256)
    api_adapter_max_works: int = Field(default=64, ge=1, le=10_000)
    api_adapter_max_work_bytes: int = Field(default=8 * 2**20, ge=1)
    api_adapter_max_upload_bytes: int = Field(default=128 * 2**20, ge=1)
    api_adapter_max_queued: int = Field(default=4, ge=0, le=1_000)
    api_adapter_failed_retention_hours: float = Field(default=168.0, ge=0)

    # ── the demo and the docs' pictures ──
    # Where the demo's accounts come from (default: anvil's well-known test mnemonic).
    demo_mnemonic: SecretStr | None = None
    # The chromium that draws the README's pictures (default: `chromium` on the PATH).
    chromium: Path | None = None

    @property
    def model_paths(self) -> list[Path]:
        """Where render workers, previews and verify look for models: STYLELEDGER_MODELS, then
        the shipped default model."""
        from generator.models import search_paths

        return search_paths(self.models)

    @property
    def adapters_dir(self) -> Path:
        """Where the service trains style adapters: a folder of adapter folders (one per job).
        Render workers sharing this data dir find them with it on STYLELEDGER_MODELS; the service
        puts it there itself (indexer.styles.jobs.put_on_search_path)."""
        return self.data_dir / "adapters"

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        normalise_database_url(value)  # DatabaseURLError is a ValueError: pydantic names the field
        return value

    @field_validator("rpc_url")
    @classmethod
    def _check_rpc_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"the RPC URL must be http(s)://..., got {value!r}")
        return value


SUPPORTED_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql+psycopg"})


def normalise_database_url(url: str) -> str:
    """Check ``url`` and pick psycopg 3 for bare ``postgresql://`` URLs; DatabaseURLError if bad."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseURLError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername not in SUPPORTED_DRIVERS and backend in {"sqlite", "postgresql"}:
        raise DatabaseURLError(
            f"unsupported driver {parsed.drivername!r} in {url!r}: StyleLedger talks to "
            "PostgreSQL through psycopg 3 (postgresql+psycopg://user:password@host/dbname) and "
            "to SQLite through the standard library (sqlite:///path/to/file.sqlite)"
        )
    elif backend not in {"sqlite", "postgresql"}:
        raise DatabaseURLError(
            f"unsupported database {backend!r} in {url!r}: use sqlite:///path/to/file.sqlite "
            "or postgresql+psycopg://user:password@host/dbname"
        )
    return parsed.render_as_string(hide_password=False)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment (and ``overrides``), or a ConfigError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"STYLELEDGER_{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"bad settings: {problems}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once); tests build their own with ``load_settings``."""
    return load_settings()
