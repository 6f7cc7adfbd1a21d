"""The committed reference renders (bench/reference/) re-render here at least within tolerance.

They were made on the CPU that ``renders.json`` names; identical pixels on another CPU are what
``make bench`` reports (``determinism_vs_reference_fraction``). Here the floor DESIGN.md
promises everywhere: ``verify``'s tolerance, never *different*.
"""

from __future__ import annotations

import json

from bench import reference_renders


def test_the_reference_names_its_cpu_and_every_image() -> None:
    body = json.loads(reference_renders.RENDERS_FILE.read_text())
    assert body["made_on"]["model"]
    assert [r["token_hash"] for r in body["renders"]] == list(reference_renders.HASHES)
    for entry in body["renders"]:
        assert (reference_renders.REFERENCE_DIR / entry["image"]).is_file()


def test_reference_renders_are_within_tolerance_here() -> None:
    reference, checks = reference_renders.compare_with_reference()
    here = reference_renders.this_cpu()
    report = [f"{c.verdict}: {c.reason}" for c in checks]
    print(f"reference made on {reference['made_on']}, rendered on {here}: {report}")
    assert all(c.verdict in ("identical", "within_tolerance") for c in checks), report
    if here == reference["made_on"]:  # the same CPU: the canonical environment is exact
        assert all(c.verdict == "identical" for c in checks), report
