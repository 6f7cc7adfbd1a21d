"""The demo's accounts (from a mnemonic) and the contracts they send to, each with its key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from indexer.chain.deployment import Deployment
from indexer.chain.sender import TxSender
from indexer.demo.types import ADAPTER_STYLE, LATECOMER, STYLES
from indexer.errors import DemoError


@dataclass
class Actor:
    """One account of the story and what it did on-chain."""

    name: str
    role: str  # deployer | artist | latecomer | author | collector
    account: LocalAccount = field(repr=False)

    @property
    def address(self) -> str:
        return self.account.address


CAST_SIZE = 11  # accounts the cast needs (derive_actors): the demo's anvil funds this many


def derive_actors(mnemonic: str) -> list[Actor]:
    """The cast, from ``mnemonic``'s first eleven accounts (BIP-44 path m/44'/60'/0'/0/i)."""
    Account.enable_unaudited_hdwallet_features()
    names = [
        ("Deployer", "deployer"),
        *((s.name.split()[0], "artist") for s in STYLES),
        (LATECOMER.name.split()[0], "latecomer"),
        ("Ava (prompt author)", "author"),
        *((f"Collector {i}", "collector") for i in range(1, 5)),
        (ADAPTER_STYLE.name.split()[0], "adapter-artist"),  # last: the others keep their accounts
    ]
    actors = []
    for i, (name, role) in enumerate(names):
        try:
            account = Account.from_mnemonic(mnemonic, account_path=f"m/44'/60'/0'/0/{i}")
        except Exception as exc:  # eth_account raises several kinds for a bad phrase
            raise DemoError(f"not a usable mnemonic ({type(exc).__name__}: {exc})") from exc
        actors.append(Actor(name, role, account))
    return actors


class DemoChain:
    """Contracts of one deployment; each actor sends with a TxSender of its own key, so every
    refusal comes back as TxReverted with the decoded custom error."""

    def __init__(self, w3: Web3, deployment: Deployment) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.registry = self._contract("StyleRegistry")
        self.core = self._contract("ArtCore")
        self.distributor = self._contract("PayoutDistributor")
        self._abis = [c.abi for c in deployment.contracts.values()]
        self._senders: dict[str, TxSender] = {}

    def _contract(self, name: str) -> Any:
        info = self.deployment.contracts[name]
        return self.w3.eth.contract(address=info.address, abi=info.abi)

    def sender(self, actor: Actor) -> TxSender:
        if actor.address not in self._senders:
            self._senders[actor.address] = TxSender(
                self.w3, actor.account, abis=self._abis, name=actor.name
            )
        return self._senders[actor.address]

    def simulate(self, actor: Actor, fn: Any, value: int = 0) -> None:
        """Call ``fn`` without sending it; TxReverted with the decoded error if it reverts."""
        self.sender(actor).simulate(fn, value)

    def send(self, actor: Actor, fn: Any, value: int = 0) -> Any:
        """Sign and send ``fn`` from ``actor``; the receipt, or TxReverted."""
        return self.sender(actor).send(fn, value)

    def events(self, contract: Any, name: str, receipt: Any) -> list[Any]:
        from web3.logs import DISCARD

        return list(getattr(contract.events, name)().process_receipt(receipt, errors=DISCARD))
