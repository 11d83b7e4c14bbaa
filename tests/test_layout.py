"""The code's layout: the pipeline read → check → compute → publish, every import pointing down it.

Imports are read from the source with :mod:`ast` (module level and inside
functions alike), so a lazy import cannot hide a wrong direction.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mbpack"

#: Layers from the bottom up; a module may import its own layer and the layers below it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("mbpack.params", "mbpack.codes", "mbpack.units", "mbpack.errors", "mbpack.atomic", "mbpack.issues", "mbpack.escape"),
    ("mbpack.workbook",),
    ("mbpack.formats",),
    ("mbpack.checks",),
    ("mbpack.balance",),
    ("mbpack.publish",),
    ("mbpack.api", "mbpack.example", "mbpack.docs"),
    ("mbpack.serve",),  # the web app: only mbpack.api and the first layer; `mbpack serve` starts it
    ("mbpack.cli", "mbpack.__main__", "mbpack"),
)  # fmt: skip


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import of an mbpack module.

    Imports under ``if TYPE_CHECKING:`` are left out: they load nothing when the code runs
    (publish names the Results type of balance in its signatures without importing it).
    """
    out = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mbpack"):
            out.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            out.extend((a.name, [], node.lineno) for a in node.names if a.name.startswith("mbpack"))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return out


MODULES = {_module(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> int:
    best = (-1, -1)  # (length of the matching prefix, layer)
    for level, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best[0]:
                best = (len(prefix), level)
    assert best[1] >= 0, f"{module} is in no layer of this test"
    return best[1]


def _targets(target: str, names: list[str]) -> list[str]:
    """The modules an import statement loads.

    ``from mbpack.workbook import schema`` loads the submodule ``mbpack.workbook.schema``;
    ``from mbpack import __version__`` reads the package root's own constant, which imports
    nothing, so it loads no layer.
    """
    if target == "mbpack" and names == ["__version__"]:
        return []
    subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
    return subs or [target]


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for target, names, _ in _imports(path):
            edges[module] |= set(_targets(target, names))
    return edges


def test_every_module_is_in_a_layer() -> None:
    for module in MODULES:
        _layer(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_pipeline(module: str) -> None:
    """A module imports only its own layer and those below it: checks never import balance,
    balance never imports publish, and nothing below the command line imports it."""
    wrong = [
        f"line {line}: {loaded}"
        for target, names, line in _imports(MODULES[module])
        for loaded in _targets(target, names)
        if loaded in MODULES and _layer(loaded) > _layer(module)
    ]
    assert not wrong, f"{module} imports upwards: {wrong}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_name_of_another_module(module: str) -> None:
    private = [
        f"line {line}: {target}.{name}"
        for target, names, line in _imports(MODULES[module])
        for name in names
        if name.startswith("_") and name != "__version__" and target != module
    ]
    assert not private, f"{module} imports private names: {private}"


def test_no_import_cycle() -> None:
    edges = _edges()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in MODULES or nxt == node:
                continue
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for module in sorted(MODULES):
        if module not in state and module != "mbpack":  # the package's lazy API names everything
            visit(module)


def test_the_checker_sees_a_wrong_direction(tmp_path: Path) -> None:
    """The layer rule itself: balance importing checks is upwards, workbook importing issues is not."""
    assert _layer("mbpack.checks.rules") > _layer("mbpack.workbook.reader")
    assert _layer("mbpack.balance.compute") > _layer("mbpack.checks.rules")
    assert _layer("mbpack.publish.package") > _layer("mbpack.balance.compute")
    source = tmp_path / "bad.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from mbpack.issues import Report\n"
        "def f():\n    from mbpack.balance.compute import compute\n"
    )
    assert _imports(source) == [("mbpack.balance.compute", ["compute"], 5)]


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("mbpack.publish")))
def test_publishing_reads_results_and_never_recomputes(module: str) -> None:
    """publish takes the Results compute returned (grids and isolines included); it imports no
    computation."""
    loaded = [t for target, names, _ in _imports(MODULES[module]) for t in _targets(target, names)]
    assert not [t for t in loaded if t.startswith("mbpack.balance")], loaded


def test_commands_go_through_the_api() -> None:
    """The command line reads, validates and computes only through mbpack.api (one gate)."""
    loaded = {
        t for target, names, _ in _imports(MODULES["mbpack.cli"]) for t in _targets(target, names)
    }
    assert not loaded & {
        "mbpack.workbook.reader",
        "mbpack.checks.validate",
        "mbpack.balance.compute",
        "mbpack.publish.package",
    }


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_attribute_of_another_module(module: str) -> None:
    """``fog._read(...)`` through an imported module is as private as ``from x import _read``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mbpack"):
            for a in node.names:
                if f"{node.module}.{a.name}" in MODULES:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    private = [
        f"line {node.lineno}: {node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in aliases
        and aliases[node.value.id] != module
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    ]
    assert not private, f"{module} uses private names of other modules: {private}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("mbpack.serve")))
def test_the_web_app_goes_through_the_api(module: str) -> None:
    """mbpack.serve reads, validates, computes and packages only through mbpack.api (its
    worker processes included); of the rest it imports only the first layer."""
    loaded = {t for target, names, _ in _imports(MODULES[module]) for t in _targets(target, names)}
    allowed = {m for m in MODULES if _layer(m) == 0} | {"mbpack", "mbpack.api"}
    wrong = sorted(
        t for t in loaded if t in MODULES and t not in allowed and not t.startswith("mbpack.serve")
    )
    assert not wrong, f"{module} imports {wrong}"
