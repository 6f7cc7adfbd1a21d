"""Typed dependencies of the routes: settings, a database session, pagination and checked inputs.

Malformed input fails here with a 422 whose message names the parameter and the rule, before any
handler or query runs, so a bad address, a negative id or a seed above 2**256 - 1 never reaches
the database.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from eth_utils import is_checksum_address, to_checksum_address
from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import Field
from sqlalchemy.orm import Session

from indexer.api.services.preview import MAX_PREVIEW_SEEDS
from indexer.settings import Settings

UINT256_MAX = 2**256 - 1
# Integer columns are 64-bit signed on both databases: a larger id cannot be stored, so it is
# answered with 404 without asking the database (which would raise an overflow otherwise).
DB_INT_MAX = 2**63 - 1

ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"
SEED_PATTERN = r"^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$"
WORD_PATTERN = r"^[a-z0-9-]{1,64}$"


def invalid(location: tuple[str, str], message: str, value: object) -> RequestValidationError:
    """A 422 in FastAPI's own error format, with a message a person can act on."""
    return RequestValidationError(
        [{"loc": location, "msg": message, "type": "value_error", "input": value}]
    )


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessionmaker() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


class SessionRoute(APIRoute):
    """A route that closes its database sessions the moment its function returns.

    FastAPI validates and serialises a sync route's response on a worker thread of its own and
    only then exits the route's dependencies. A session held until then keeps its pooled
    connection while the request waits for that thread; under 128 connections every thread
    waited for a connection that a request waiting for a thread held, and the service stalled,
    then answered 500 "QueuePool limit ... reached". Closed here, in the route's own thread, the
    connection is back in the pool before the response is built (routes return schemas, never
    rows that would load lazily afterwards). Every router of the service uses this class
    (tests/indexer/api/test_load.py checks).
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _closing_sessions(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _closing_sessions(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)  # FastAPI reads the signature and globals of the original
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return endpoint(*args, **kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Session):
                    value.close()

    return run


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int


def page_params(
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX, description="Items to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="Items per page (1-500).")] = 50,
) -> Page:
    return Page(offset=offset, limit=limit)


PageDep = Annotated[Page, Depends(page_params)]


def _checksummed(address: str, location: tuple[str, str]) -> str:
    """The address checksummed; mixed case must carry a valid EIP-55 checksum."""
    body = address[2:]
    mixed = body != body.lower() and body != body.upper()
    if mixed and not is_checksum_address(address):
        raise invalid(location, f"{location[1]} has a bad EIP-55 checksum", address)
    return to_checksum_address(address)


def checked_address(
    address: Annotated[
        str,
        Path(
            pattern=ADDRESS_PATTERN,
            description="An Ethereum address, 0x + 40 hex digits (EIP-55 checksum if mixed case).",
            examples=["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"],
        ),
    ],
) -> str:
    return _checksummed(address, ("path", "address"))


AddressDep = Annotated[str, Depends(checked_address)]


def checked_minter(
    minter: Annotated[
        str,
        Query(
            pattern=ADDRESS_PATTERN,
            description="The address that would mint: the preview is made for it alone.",
        ),
    ],
) -> str:
    return _checksummed(minter, ("query", "minter"))


MinterDep = Annotated[str, Depends(checked_minter)]


def _seed_value(seed: str) -> int:
    value = int(seed, 16) if seed.startswith("0x") else int(seed)
    if value > UINT256_MAX:
        raise invalid(("query", "seed"), "seed must be at most 2**256 - 1 (a uint256)", seed)
    return value


def checked_seed(
    seed: Annotated[
        str,
        Query(
            pattern=SEED_PATTERN,
            description="uint256 seed, decimal or 0x-hex (0 to 2**256 - 1).",
            examples=["42"],
        ),
    ],
) -> int:
    return _seed_value(seed)


SeedDep = Annotated[int, Depends(checked_seed)]


def checked_seeds(
    seed: Annotated[
        list[Annotated[str, Field(pattern=SEED_PATTERN)]],
        Query(
            min_length=1,
            max_length=MAX_PREVIEW_SEEDS,
            description=f"1 to {MAX_PREVIEW_SEEDS} uint256 seeds, each decimal or 0x-hex, the "
            "parameter repeated (seed=1&seed=0x2).",
            examples=[["1", "2", "3", "4"]],
        ),
    ],
) -> list[int]:
    return [_seed_value(s) for s in seed]


SeedsDep = Annotated[list[int], Depends(checked_seeds)]

TokenIdPath = Annotated[
    int,
    Path(ge=0, le=UINT256_MAX, description="Token id = project id * 1,000,000 + invocation."),
]
ProjectIdPath = Annotated[int, Path(ge=0, le=UINT256_MAX, description="Project id.")]
StyleIdPath = Annotated[int, Path(ge=1, le=UINT256_MAX, description="Style id (from 1).")]
EpochPath = Annotated[int, Path(ge=0, le=UINT256_MAX, description="Epoch number.")]
WordPath = Annotated[
    str, Path(pattern=WORD_PATTERN, description="A prompt word: lower-case [a-z0-9-].")
]


def take_preview_budget(request: Request, count: int = 1) -> None:
    """``count`` renders of the client's preview budget, all or none (saved and draft previews
    share it), or a 429: with Retry-After, or saying the server's burst is smaller than that."""
    client = request.client.host if request.client else "unknown"
    limiter = request.app.state.preview_limiter
    wait = limiter.acquire(client, count)
    if wait == float("inf") and count > limiter.burst:
        raise HTTPException(
            429, f"{count} new previews at once is over this server's burst of {limiter.burst}"
        )
    if wait > 0:
        raise HTTPException(
            429,
            f"preview limit reached; retry in {wait:.0f} s",
            headers={"Retry-After": str(max(1, round(min(wait, 86_400))))},
        )


def public_base(request: Request) -> str:
    """Base of absolute URLs in responses: STYLELEDGER_API_PUBLIC_URL, else the request's."""
    configured = request.app.state.settings.api_public_url
    return (configured or str(request.base_url)).rstrip("/")
