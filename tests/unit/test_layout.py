"""The package layout: imports go one way (web -> domain -> models and infrastructure), with no
cycle among ``portal`` modules, read from the source's imports (module level and inside functions).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "portal"

# The rooms of the domain; each may import the infrastructure and the rooms listed below it.
# The register's systems sit beside the requests: both below the rooms that answer them.
DOMAIN = (
    "portal.accounts",
    "portal.subject_requests",
    "portal.register",
    "portal.answering",
    "portal.intake",
    "portal.inbox",
)
ALLOWED_DOMAIN_IMPORTS = {
    "portal.accounts": set(),
    "portal.subject_requests": {"portal.accounts"},
    "portal.register": set(),
    "portal.answering": {"portal.subject_requests", "portal.register", "portal.accounts"},
    "portal.intake": {
        "portal.subject_requests",
        "portal.register",
        "portal.answering",
        "portal.accounts",
    },
    # Mail to the privacy mailbox joins requests and may become one.
    "portal.inbox": {"portal.subject_requests", "portal.accounts", "portal.intake"},
}
PURE = ("portal.deadlines", "portal.subject_requests.lifecycle")
IMPURE_ROOTS = (
    "flask",
    "flask_babel",
    "flask_login",
    "flask_wtf",
    "sqlalchemy",
    "portal.extensions",
)
# One module, one idea; a module that is only data (the letter texts) may be longer.
MAX_CODE_LINES = 400
DATA_MODULES = {"portal.answering.letters.texts"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """The modules ``name`` imports: ``from a import b`` counts as ``a.b`` when that is a module."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return found


GRAPH = {name: {i for i in imports_of(name) if i in MODULES} for name in MODULES}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first = last), or None; depth-first with colours."""
    colour = dict.fromkeys(graph, 0)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if colour[nxt] == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if colour[nxt] == 0 and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        colour[node] = 2
        return None

    for node in sorted(graph):
        if colour[node] == 0 and (cycle := visit(node)):
            return cycle
    return None


def within(name: str, root: str) -> bool:
    return name == root or name.startswith(root + ".")


def test_finds_a_cycle_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_among_portal_modules():
    assert find_cycle(GRAPH) is None, " -> ".join(find_cycle(GRAPH) or [])


def test_only_the_app_factory_imports_the_cli():
    offenders = sorted(
        name
        for name, imported in GRAPH.items()
        if name != "portal"
        and not within(name, "portal.cli")
        and any(within(i, "portal.cli") for i in imported)
    )
    assert offenders == []


@pytest.mark.parametrize("room", DOMAIN)
def test_the_domain_never_imports_the_web_the_cli_or_a_room_above_it(room):
    forbidden = ("portal.web", "portal.cli", *(set(DOMAIN) - ALLOWED_DOMAIN_IMPORTS[room] - {room}))
    offenders = sorted(
        (name, i)
        for name, imported in GRAPH.items()
        if within(name, room)
        for i in imported
        if any(within(i, f) for f in forbidden)
    )
    assert offenders == []


def test_infrastructure_and_models_import_no_domain_and_no_web():
    layers = ("portal.web", "portal.cli", *DOMAIN)
    offenders = sorted(
        (name, i)
        for name, imported in GRAPH.items()
        if name != "portal" and not any(within(name, layer) for layer in layers)
        for i in imported
        if any(within(i, layer) for layer in layers)
    )
    assert offenders == []


@pytest.mark.parametrize("name", PURE)
def test_pure_rules_import_neither_flask_nor_the_database(name):
    impure = sorted(i for i in imports_of(name) if any(within(i, root) for root in IMPURE_ROOTS))
    assert impure == []


def test_no_module_is_past_the_size_of_one_idea():
    def code_lines(path: Path) -> int:
        return sum(
            1
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.strip().startswith("#")
        )

    too_long = {
        name: code_lines(path)
        for name, path in MODULES.items()
        if name not in DATA_MODULES and code_lines(path) > MAX_CODE_LINES
    }
    assert too_long == {}
