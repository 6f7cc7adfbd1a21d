"""Plain helpers for the contract tests (fixtures live in conftest.py)."""

from __future__ import annotations

from typing import Any

from brownie import web3
from brownie.exceptions import VirtualMachineError

# StyleRegistry's payout delay in the shared `registry` fixture; tests move the clock past it.
PAYOUT_DELAY = 3600


class reverts_with:  # lower case: used like brownie.reverts
    """``with reverts_with("ErrorName", *args):`` expects a revert with that custom error.

    With no ``args`` only the error's name is checked.
    """

    def __init__(self, name: str, *args: object) -> None:
        self.name = name
        self.expected = f"{name}: {', '.join(_fmt(a) for a in args)}" if args else None

    def __enter__(self) -> reverts_with:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            raise AssertionError(f"expected revert {self.name}, but it did not revert")
        if not issubclass(exc_type, VirtualMachineError):
            return False
        got = (exc.revert_msg or "").rstrip(": ")
        ok = got == self.expected.rstrip(": ") if self.expected else got.split(":")[0] == self.name
        if not ok:
            raise AssertionError(f"expected revert {self.expected or self.name!r}, got {got!r}")
        return True


def _fmt(value: object) -> str:
    """Format an error argument the way brownie's decoder prints it."""
    if isinstance(value, bytes):
        return str(bytes(value))
    text = str(value)
    return text.lower() if text.startswith("0x") else text


def emitted(tx, name: str) -> list[dict[str, Any]]:
    """Every `name` event of `tx` as plain dicts (tuples as lists), in log order."""
    if name not in tx.events:
        return []
    return [{k: _plain(v) for k, v in event.items()} for event in tx.events[name]]


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def rpc(method: str, params: list | None = None) -> Any:
    """A raw JSON-RPC call to the test chain (anvil and ganache share the evm_* methods).

    Used where brownie's own ``chain.sleep/mine`` are too slow to call in a loop: in brownie 1.22
    each inspects the whole call stack to decide whether to warn. (Not for snapshots: brownie's
    ``chain.revert`` also drops reverted transactions from its history, which nonces rely on.)
    """
    response = web3.provider.make_request(method, params or [])
    if "error" in response:
        raise RuntimeError(f"{method}: {response['error']}")
    return response["result"]


# The shared ArtCore project (`project` fixture in conftest.py).
PRICE = 10**16
PROMPT = "monet water lilies at dawn"
MODEL_ID = bytes.fromhex("ab" * 32)
SETTINGS = (20, 750, 128, 128, "ddim")  # steps, guidanceX100, width, height, scheduler
