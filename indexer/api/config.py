"""Settings of the HTTP service alone (``STYLELEDGER_API_*``); the shared ones live in indexer.config."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="STYLELEDGER_API_", env_file=".env", extra="ignore", frozen=True
    )

    # Absolute base of image URLs in token metadata (e.g. https://styleledger.example);
    # empty = the base URL of each request.
    public_url: str = ""
    # Free previews: cache misses a client may render per minute, and at once.
    preview_per_minute: float = Field(default=12.0, ge=0)
    preview_burst: int = Field(default=4, ge=1, le=1_000)
    # Rendered previews kept in memory (a 128 px PNG is ~30 KB).
    preview_cache_size: int = Field(default=256, ge=1, le=100_000)
    # Seconds a chain head read by /health is reused (keeps /health cheap under polling).
    head_cache_seconds: float = Field(default=1.0, ge=0)
