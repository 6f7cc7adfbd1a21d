"""The house rules of the code, checked on its import graph (every import, those inside
functions included; only ``if TYPE_CHECKING:`` blocks are left out, since they never run).

* no import cycle anywhere in ``generator`` and ``indexer``;
* no module imports a higher layer (below); two packages of one layer never import each other;
* the generator's runtime never imports its training tools, nor anything of the indexer;
* ``bench/`` does not import ``tests/``; the product imports neither.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from indexer.chain.deployment import REPO_ROOT

# (module prefix, layer): a module's layer is that of its longest matching prefix. A module may
# import modules of a lower layer, and modules of its own package (the prefix it matched).
LAYERS: list[tuple[str, int]] = [
    ("indexer", 0),  # the package itself (an empty __init__)
    ("generator", 0),
    ("generator.training", 1),
    ("generator.cli", 2),
    ("indexer.errors", 10),
    ("indexer.settings", 11),
    ("indexer.db", 20),
    ("indexer.chain", 21),
    ("indexer.sync", 30),
    ("indexer.ledger", 30),
    ("indexer.render", 31),  # the render worker books a sale with the ledger's money formula
    ("indexer.styles", 31),  # an artist's works tree is a StandardMerkleTree (indexer.ledger)
    ("indexer.devchain", 40),
    ("indexer.console", 45),
    ("indexer.api", 50),
    ("indexer.demo", 60),
    ("indexer.sync.cli", 65),
    ("indexer.render.cli", 65),
    ("indexer.styles.cli", 65),
    ("indexer.ledger.cli", 65),
    ("indexer.api.cli", 65),
    ("indexer.demo.cli", 65),
    ("indexer.cli", 70),
    ("indexer.__main__", 71),
]
PACKAGES = ("generator", "indexer")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources(*tops: str) -> dict[str, Path]:
    found = {}
    for top in tops:
        for path in sorted((REPO_ROOT / top).rglob("*.py")):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, module: str, known: set[str]) -> set[str]:
    """Every module ``module`` imports (``from a import b`` counts as ``a.b`` when that is a
    module, else ``a``), skipping ``if TYPE_CHECKING:`` blocks."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                out.add(candidate if candidate in known else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return out


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    sources = _sources(*PACKAGES)
    known = set(sources)
    return {
        name: {m for m in _imports(path, name, known) if m in known and m != name}
        for name, path in sources.items()
    }


def _layer(module: str) -> tuple[str, int]:
    best = max((p for p, _ in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return best, dict(LAYERS)[best]


def test_every_module_has_a_layer(graph: dict[str, set[str]]) -> None:
    # a new package of the indexer gets a layer above; its modules are not left in the root's
    unplaced = [m for m in graph if m.startswith("indexer.") and _layer(m)[0] == "indexer"]
    assert unplaced == []


def test_no_import_cycle(graph: dict[str, set[str]]) -> None:
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    cycles: list[list[str]] = []

    def walk(node: str, stack: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                walk(target, [*stack, target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    assert cycles == []


def test_no_module_imports_a_higher_layer(graph: dict[str, set[str]]) -> None:
    wrong = []
    for module, targets in sorted(graph.items()):
        own, rank = _layer(module)
        for target in sorted(targets):
            their, their_rank = _layer(target)
            same_package = target == own or target.startswith(own + ".")
            if their_rank >= rank and not same_package:
                wrong.append(f"{module} ({own}: {rank}) imports {target} ({their}: {their_rank})")
    assert wrong == []


def test_bench_and_product_do_not_import_the_tests() -> None:
    offenders = []
    for top in ("bench", *PACKAGES):
        for name, path in _sources(top).items():
            for target in _imports(path, name, set()):
                if target == "tests" or target.startswith("tests."):
                    offenders.append(f"{name} imports {target}")
                if top != "bench" and (target == "bench" or target.startswith("bench.")):
                    offenders.append(f"{name} imports {target}")
    assert offenders == []


def test_the_rules_see_function_level_imports(tmp_path: Path) -> None:
    """The checker itself: an import inside a function counts, a TYPE_CHECKING one does not."""
    path = REPO_ROOT / "indexer" / "demo" / "run.py"
    imports = _imports(path, "indexer.demo.run", set(_sources(*PACKAGES)))
    assert "indexer.demo.story" in imports  # module level
    assert "rich.console" in imports  # inside run_demo()
