"""Print bench/results.json as a table, in the order the keys are declared.

``--readme README.md`` also rewrites the Markdown table between the README's
``<!-- bench table start -->`` and ``<!-- bench table end -->`` markers, so the figures the README
quotes are always the committed ones.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.results import KEYS, RESULTS_PATH, load

START, END = "<!-- bench table start -->", "<!-- bench table end -->"


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "not measured"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.4g}"


def text_table(results: dict[str, float | int]) -> str:
    rows = [("key", "value", "unit", "goal / reference")]
    rows += [(k, _fmt(results.get(k)), key.unit, key.goal) for k, key in KEYS.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(results: dict[str, float | int]) -> str:
    lines = ["| key | value | unit | goal / reference | what |", "|---|---:|---|---|---|"]
    for k, key in KEYS.items():
        lines.append(f"| `{k}` | {_fmt(results.get(k))} | {key.unit} | {key.goal} | {key.what} |")
    return "\n".join(lines)


def update_readme(path: Path, results: dict[str, float | int]) -> None:
    text = path.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{path}: no '{START}' ... '{END}' markers to put the table between")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{markdown_table(results)}\n{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=Path, help="rewrite the bench table in this README")
    args = parser.parse_args()
    results = load()
    print(text_table(results))
    print(f"\n{RESULTS_PATH}")
    if args.readme:
        update_readme(args.readme, results)
        print(f"table updated in {args.readme}")


if __name__ == "__main__":
    main()
