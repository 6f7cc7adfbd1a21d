"""Revert data decoded into the custom error's name and arguments, with the contracts' ABIs.

Every contract error of StyleLedger is a custom error carrying the bad value
(``StyleRegistryKeywordTaken("checks", 1)``). Each command that sends or simulates a transaction
(``settle``'s root poster, the demo, the deploy script) says a refusal through
:class:`RevertDecoder`, never as web3's "execution reverted".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import function_abi_to_4byte_selector

DecodedError = tuple[str, dict[str, Any]]


def error_selectors(abis: Iterable[list[dict[str, Any]]]) -> dict[bytes, dict[str, Any]]:
    """4-byte selector -> error ABI, over several contracts' ABIs."""
    out: dict[bytes, dict[str, Any]] = {}
    for abi in abis:
        for item in abi:
            if item.get("type") == "error":
                out[function_abi_to_4byte_selector(item)] = item
    return out


def revert_data(exc: BaseException) -> str | None:
    """The 0x-hex revert data a web3 exception carries, if any."""
    data = getattr(exc, "data", None)
    if data is None and exc.args:
        data = exc.args[0]
    if isinstance(data, bytes):
        return "0x" + data.hex()
    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
        return data
    return None


class RevertDecoder:
    """Decodes revert data with the custom errors of some ABIs."""

    def __init__(self, abis: Iterable[list[dict[str, Any]]]) -> None:
        self.selectors = error_selectors(abis)

    def decode(self, data: str | bytes | None) -> DecodedError | None:
        """``(name, {argument: value})`` of a custom error's revert data; None if unknown."""
        if not data:
            return None
        raw = bytes.fromhex(data.removeprefix("0x")) if isinstance(data, str) else bytes(data)
        item = self.selectors.get(raw[:4])
        if item is None:
            return None
        values = abi_decode([i["type"] for i in item["inputs"]], raw[4:])
        return item["name"], {i["name"]: v for i, v in zip(item["inputs"], values, strict=True)}

    def describe(self, data: str | bytes | None) -> str:
        """``Name(arg=value, ...)``, or the raw data when no error of the ABIs matches."""
        decoded = self.decode(data)
        if decoded is None:
            return f"reverted with unknown data {data!r}"
        name, args = decoded
        return f"{name}({', '.join(f'{k}={v!r}' for k, v in args.items())})"

    def explain(self, exc: BaseException) -> tuple[str, DecodedError | None] | None:
        """``(readable reason, decoded error or None)`` of a revert; None if ``exc`` is not one."""
        from web3.exceptions import ContractCustomError, ContractLogicError

        if isinstance(exc, ContractCustomError):
            data = revert_data(exc)
            return self.describe(data), self.decode(data)
        if isinstance(exc, ContractLogicError):
            data = revert_data(exc)
            decoded = self.decode(data) if data else None
            message = getattr(exc, "message", None) or str(exc)
            return (self.describe(data) if decoded else message), decoded
        return None
