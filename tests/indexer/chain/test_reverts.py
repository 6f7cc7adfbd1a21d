"""Reverts said by name: the custom error and its arguments, decoded with the contracts' ABIs."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak
from web3.exceptions import ContractCustomError, ContractLogicError

from indexer.chain.reverts import RevertDecoder
from tests.support.chain import load_abi
from tests.support.skip import skip_or_fail


@pytest.fixture(scope="module")
def decoder() -> RevertDecoder:
    try:
        abis = [load_abi(name) for name in ("StyleRegistry", "ArtCore", "PayoutDistributor")]
    except FileNotFoundError:
        skip_or_fail("contracts not compiled (make compile)")
    return RevertDecoder(abis)


def _revert(signature: str, types: list[str], values: list[object]) -> str:
    return "0x" + (keccak(text=signature)[:4] + encode(types, values)).hex()


def test_a_custom_error_is_named_with_its_arguments(decoder: RevertDecoder) -> None:
    data = _revert(
        "PayoutDistributorRootPending(uint256,uint256)", ["uint256", "uint256"], [3, 1_700_000_000]
    )
    assert decoder.decode(data) == (
        "PayoutDistributorRootPending",
        {"epoch": 3, "claimableAt": 1_700_000_000},
    )
    reason, error = decoder.explain(ContractCustomError(data, data=data))
    assert reason == "PayoutDistributorRootPending(epoch=3, claimableAt=1700000000)"
    assert error is not None and error[0] == "PayoutDistributorRootPending"


def test_errors_of_every_contract_are_known(decoder: RevertDecoder) -> None:
    data = _revert(
        "StyleRegistryKeywordTaken(string,uint256)", ["string", "uint256"], ["checks", 1]
    )
    assert decoder.describe(data) == "StyleRegistryKeywordTaken(keyword='checks', styleId=1)"


def test_unknown_data_and_other_exceptions(decoder: RevertDecoder) -> None:
    assert decoder.decode("0xdeadbeef") is None
    assert "unknown data" in decoder.describe("0xdeadbeef")
    reason, error = decoder.explain(ContractLogicError("execution reverted: plain"))
    assert (reason, error) == ("execution reverted: plain", None)
    assert decoder.explain(ValueError("not a revert")) is None
