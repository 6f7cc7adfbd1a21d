"""scripts/deploy.py on the test chain: the three contracts deployed, wired, and written down."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from brownie import ArtCore, PayoutDistributor, StyleRegistry, web3
from eth_utils import keccak

from scripts.deploy import ROOT, Deployer, DeployError, Settings, deploy_all, rpc_hint, write_record

KEYS = ["chainId", "deployBlock", "rpcHint", "contracts", "roles", "platformBps", "challengeDelay"]


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"STYLELEDGER_DEPLOYMENTS_DIR": str(tmp_path), **env})


def test_deploy_and_wire(tmp_path, owner, settler, guardian, curator, platform):
    chosen = settings(
        tmp_path,
        SETTLER_ADDRESS=str(settler),
        GUARDIAN_ADDRESS=str(guardian),
        CURATOR_ADDRESS=str(curator).lower(),
        PLATFORM_ADDRESS=str(platform),
        CHALLENGE_DELAY="7200",
        STYLE_PAYOUT_DELAY="3600",
        PLATFORM_BPS="900",
        BASE_URI="https://styleledger.example/t/",
    )
    first_block = web3.eth.block_number + 1
    record = deploy_all(Deployer(web3, sender=str(owner)), chosen, "http://node:8545")
    path = write_record(record, chosen.out_dir)

    assert path == tmp_path / f"{web3.eth.chain_id}.json"
    assert json.loads(path.read_text()) == record
    assert list(record) == KEYS
    assert record["chainId"] == web3.eth.chain_id
    assert record["deployBlock"] == first_block
    assert record["rpcHint"] == "http://node:8545"
    assert record["roles"] == {
        "owner": owner,
        "settler": settler,
        "guardian": guardian,
        "curator": curator,
        "platform": platform,
    }
    assert (record["platformBps"], record["challengeDelay"]) == (900, 7200)
    for name, entry in record["contracts"].items():
        assert entry["abi"] == f"build/contracts/{name}.json"
        assert json.loads((ROOT / entry["abi"]).read_text())["contractName"] == name

    registry = StyleRegistry.at(record["contracts"]["StyleRegistry"]["address"])
    core = ArtCore.at(record["contracts"]["ArtCore"]["address"])
    distributor = PayoutDistributor.at(record["contracts"]["PayoutDistributor"]["address"])
    assert registry.hasRole(keccak(b"CURATOR_ROLE"), curator)
    assert registry.hasRole("0x" + "00" * 32, owner)
    assert registry.payoutDelay() == 3600
    assert distributor.core() == core
    assert distributor.hasRole(keccak(b"SETTLER_ROLE"), settler)
    assert distributor.hasRole(keccak(b"GUARDIAN_ROLE"), guardian)
    assert distributor.hasRole("0x" + "00" * 32, owner)
    assert distributor.challengeDelay() == 7200
    assert core.owner() == owner
    assert core.distributor() == distributor
    assert core.platformRecipient() == platform
    assert core.platformBps() == 900
    core.createProject(
        "n", "p", b"\1" * 32, (20, 750, 64, 64, "ddim"), 0, 1, False, {"from": owner}
    )
    assert core.tokenURI(core.mint(1, {"from": owner}).return_value) == (
        "https://styleledger.example/t/1000000"
    )


def test_deploy_with_a_private_key(tmp_path, owner):
    """What a real network needs: the transactions signed here, from the key's account."""
    key = web3.eth.account.create()
    owner.transfer(key.address, 10**18)
    record = deploy_all(Deployer(web3, private_key=key.key.hex()), settings(tmp_path), "x")
    assert set(record["roles"].values()) == {key.address}
    assert ArtCore.at(record["contracts"]["ArtCore"]["address"]).owner() == key.address
    assert record["platformBps"] == 1000 and record["challengeDelay"] == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SETTLER_ADDRESS": "0x1234"}, "SETTLER_ADDRESS is not an address"),
        ({"PLATFORM_BPS": "1001"}, "PLATFORM_BPS must lie in [0, 1000]"),
        ({"CHALLENGE_DELAY": "soon"}, "CHALLENGE_DELAY must be an integer"),
    ],
)
def test_bad_settings_are_named(tmp_path, owner, env, message):
    with pytest.raises(DeployError, match=message.replace("[", r"\[").replace("]", r"\]")):
        deploy_all(Deployer(web3, sender=str(owner)), settings(tmp_path, **env), "x")


def test_rpc_hint_drops_credentials_and_paths():
    assert rpc_hint("https://user:pw@mainnet.example/v3/KEY?x=1") == "https://mainnet.example"
    assert rpc_hint("http://127.0.0.1:8545") == "http://127.0.0.1:8545"
