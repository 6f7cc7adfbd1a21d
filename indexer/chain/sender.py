"""One way to sign and send a transaction: simulate first, say a revert by its custom error.

``TxSender`` is what ``settle`` (the root poster), the demo's actors and ``scripts/deploy.py``
send with. A transaction is simulated with ``eth_call`` before it is signed, so a refusal comes
back as :class:`~indexer.errors.TxReverted` carrying the decoded custom error
(``StyleRegistryKeywordTaken(keyword='checks', styleId=1)``) and costs no gas; then it is
signed locally with the key (or sent from a node-unlocked account on dev chains), and
``send`` waits for the receipt and checks its status.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from indexer.chain.reverts import RevertDecoder
from indexer.errors import TxReverted

RECEIPT_TIMEOUT_S = 120.0


class TxSender:
    """Sends transactions from one account: its private key, or an address the node unlocked."""

    def __init__(
        self,
        w3: Web3,
        key: str | bytes | LocalAccount | None = None,
        *,
        address: str | None = None,
        abis: Iterable[list[dict[str, Any]]] = (),
        legacy_gas_price: bool = False,
        name: str | None = None,
    ) -> None:
        self.w3 = w3
        if isinstance(key, LocalAccount):
            self.account: LocalAccount | None = key
        elif key:
            self.account = Account.from_key(key)
        else:
            self.account = None
        if self.account is not None:
            self.address = self.account.address
        elif address is not None:
            self.address = Web3.to_checksum_address(address)
        else:
            raise ValueError("a TxSender needs a private key or an unlocked address")
        self.name = name or self.address
        self.decoder = RevertDecoder(abis)
        self.legacy_gas_price = legacy_gas_price
        self._chain_id: int | None = None

    @property
    def chain_id(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    def _what(self, fn: Any, what: str | None) -> str:
        return what or f"{getattr(fn, 'fn_name', 'transaction')} from {self.name}"

    def simulate(self, fn: Any, value: int = 0, what: str | None = None) -> None:
        """``eth_call`` of ``fn``; TxReverted with the decoded custom error if it would revert."""
        try:
            fn.call({"from": self.address, "value": value})
        except Exception as exc:
            why = self.decoder.explain(exc)
            if why is None:
                raise
            raise TxReverted(self._what(fn, what), *why) from exc

    def sign(self, fn: Any, value: int = 0, what: str | None = None) -> tuple[str, bytes]:
        """Simulate and sign ``fn`` with the key, without sending it: ``(tx hash, raw bytes)``.
        A caller that must remember a transaction before it exists on the network (settle)
        records the hash, then :meth:`broadcast` s the bytes."""
        if self.account is None:
            raise ValueError("signing needs a private key, not a node-unlocked address")
        if hasattr(fn, "call"):  # constructors cannot be simulated with eth_call
            self.simulate(fn, value, what)
        signed = self.account.sign_transaction(self._build(fn, value))
        return "0x" + bytes(signed.hash).hex(), bytes(signed.raw_transaction)

    def broadcast(self, raw: bytes) -> str:
        """Send transaction bytes made by :meth:`sign`; returns their hash."""
        return "0x" + bytes(self.w3.eth.send_raw_transaction(raw)).hex()

    def submit(self, fn: Any, value: int = 0, what: str | None = None) -> str:
        """Simulate, sign and send ``fn`` (a contract function or constructor call); returns the
        transaction hash (0x-hex) without waiting for it."""
        if self.account is not None:
            return self.broadcast(self.sign(fn, value, what)[1])
        if hasattr(fn, "call"):  # constructors cannot be simulated with eth_call
            self.simulate(fn, value, what)
        return "0x" + bytes(self.w3.eth.send_transaction(self._build(fn, value))).hex()

    def _build(self, fn: Any, value: int) -> dict[str, Any]:
        params: dict[str, Any] = {
            "from": self.address,
            "value": value,
            "nonce": self.w3.eth.get_transaction_count(self.address, "pending"),
            "chainId": self.chain_id,
        }
        if self.legacy_gas_price:
            params["gasPrice"] = self.w3.eth.gas_price
        return fn.build_transaction(params)

    def wait(self, tx_hash: str, timeout: float = RECEIPT_TIMEOUT_S) -> Any:
        """The receipt of ``tx_hash`` once mined (web3's TimeExhausted after ``timeout``)."""
        return self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)  # type: ignore[arg-type]

    def send(
        self, fn: Any, value: int = 0, what: str | None = None, timeout: float = RECEIPT_TIMEOUT_S
    ) -> Any:
        """Submit ``fn`` and wait for its receipt; TxReverted if it reverts or fails on-chain."""
        tx_hash = self.submit(fn, value, what)
        receipt = self.wait(tx_hash, timeout)
        if receipt["status"] != 1:
            raise TxReverted(self._what(fn, what), f"transaction {tx_hash} failed on-chain")
        return receipt
