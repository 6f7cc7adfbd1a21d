"""Print bench/results.json as a table, in the order the keys are declared."""

from __future__ import annotations

from bench.results import KEYS, RESULTS_PATH, load


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "not measured"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.4g}"


def main() -> None:
    results = load()
    rows = [("key", "value", "unit", "goal / reference")]
    rows += [(k, _fmt(results.get(k)), key.unit, key.goal) for k, key in KEYS.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\n{RESULTS_PATH}")


if __name__ == "__main__":
    main()
