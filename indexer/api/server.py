"""uvicorn's HTTP protocol with TCP_NODELAY on every connection.

With ``--workers`` > 1, uvicorn binds the listening socket itself (protocol number 0) and the
workers serve it through ``create_server(sock=...)``; asyncio then skips TCP_NODELAY on the
accepted connections (it checks for IPPROTO_TCP), so a response written as headers + body waits
for the client's delayed ACK: a flat ~40 ms on every request. Setting the option ourselves makes
one worker and many behave alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # httptools missing: the pure-Python h11 parser
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base


class NoDelayHttpProtocol(_Base):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


KEEP_ALIVE_S = 75.0
"""How long an idle keep-alive connection stays open (uvicorn's own default is 5 s).

The server closing an idle connection races with a client sending its next request on it: the
request arrives at a socket being closed and the client reads a reset (httpx: ReadError). Under
load the event loop can reach a connection's keep-alive timer before its waiting request (uvloop
runs due timers first), so with 5 s a busy machine reset a few of 375 requests from 128 clients.
Longer than a proxy's upstream idle timeout (nginx 60 s, most load balancers 60 s), so the proxy
closes first, as it should.
"""


def run(
    host: str,
    port: int,
    workers: int,
    log_level: str,
    access_log: bool,
    keep_alive_s: float = KEEP_ALIVE_S,
) -> None:
    """uvicorn over ``indexer.api.main:app_from_env``; workers are spawned processes."""
    import os

    import uvicorn

    from generator.runtime import pin_process_environment

    pin_process_environment()  # previews render on the canonical path
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # previews load local model folders only

    uvicorn.run(
        "indexer.api.main:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=access_log,
        http=NoDelayHttpProtocol,
        timeout_keep_alive=keep_alive_s,
        # a worker imports web3 and SQLAlchemy before it answers the supervisor's first ping
        timeout_worker_healthcheck=60,
    )
