"""Import direction, enforced by parsing the source (every import, deferred ones included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
# The core in its import order: a module may import only modules before it (and config).
CORE_ORDER = [
    "models",
    "text",
    "knowledge",
    "matching",
    "replies",
    "smalltalk",
    "conversation",
    "commands",
    "ratelimit",
    "assistant",
]
# Leaves import nothing from the bot, and anything may import them (config reads its file
# with safe_yaml).
LEAVES = ["config", "safe_yaml"]
CORE = [*CORE_ORDER, *LEAVES]
FORBIDDEN_IN_CORE = ("bot.transports", "bot.web", "bot.app", "bot.cli", "aiohttp", "nio")


def module_name(path: Path, root: Path = BOT) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, root: Path = BOT) -> set[str]:
    """Every module a file imports, as absolute dotted names (``from a import b`` gives a, a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def core_files(core: str) -> list[Path]:
    """A core module's sources: one file, or every file of its package."""
    single = BOT / f"{core}.py"
    return [single] if single.exists() else sorted((BOT / core).rglob("*.py"))


def core_imports(core: str) -> set[str]:
    return {name for path in core_files(core) for name in imports_of(path)}


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


SOURCES = sorted(BOT.rglob("*.py"))


def test_the_sources_are_found() -> None:
    names = {module_name(path) for path in SOURCES}
    assert {f"bot.{name}" for name in CORE} <= names
    assert "bot.transports.matrix" in names


def test_the_parser_sees_deferred_and_relative_imports(tmp_path: Path) -> None:
    source = "def f():\n    import nio.crypto\n    from ..web import x\n    from . import teams\n"
    sample = tmp_path / "bot" / "transports" / "sample.py"
    sample.parent.mkdir(parents=True)
    sample.write_text(source, encoding="utf-8")
    found = imports_of(sample, tmp_path / "bot")
    assert {"nio.crypto", "bot.web", "bot.web.x", "bot.transports.teams"} <= found


def test_only_the_matrix_transport_imports_nio() -> None:
    importers = {
        module_name(path)
        for path in SOURCES
        if any(within(name, "nio") for name in imports_of(path))
    }
    assert importers and all(within(name, "bot.transports.matrix") for name in importers)


def test_only_the_teams_app_modules_import_the_agents_sdk() -> None:
    """The SDK is an optional extra: the webhook, Matrix and the CLI must work without it."""
    importers = {
        module_name(path)
        for path in SOURCES
        if any(within(name, "microsoft_agents") for name in imports_of(path))
    }
    assert importers == {"bot.transports.teams.agent", "bot.transports.teams.app_events"}


def test_the_teams_package_loads_the_sdk_only_for_the_app() -> None:
    for module in ("__init__", "webhook", "cards", "activity"):
        imported = imports_of(BOT / "transports" / "teams" / f"{module}.py")
        assert not [n for n in imported if within(n, "bot.transports.teams.agent")], module


@pytest.mark.parametrize("core", CORE)
def test_the_core_knows_no_protocol(core: str) -> None:
    imported = core_imports(core)
    bad = sorted(name for name in imported for ban in FORBIDDEN_IN_CORE if within(name, ban))
    assert not bad, f"bot.{core} imports {bad}"


def test_safe_yaml_is_a_leaf() -> None:
    imported = core_imports("safe_yaml")
    bad = [name for name in imported if within(name, "bot") and not within(name, "bot.safe_yaml")]
    assert not bad, f"bot.safe_yaml imports {bad}"


def test_config_imports_only_leaves() -> None:
    imported = core_imports("config")
    allowed = ("bot.safe_yaml", "bot.config")  # its own modules import each other
    bad = [
        name
        for name in imported
        if within(name, "bot") and not any(within(name, ok) for ok in allowed)
    ]
    assert not bad, f"bot.config imports {bad}"


@pytest.mark.parametrize("core", CORE_ORDER)
def test_core_imports_point_one_way(core: str) -> None:
    earlier = CORE_ORDER[: CORE_ORDER.index(core) + 1]  # itself: a package's own modules
    allowed = {f"bot.{name}" for name in [*earlier, *LEAVES]}
    imported = {name for name in core_imports(core) if within(name, "bot")}
    for name in imported:
        assert any(within(name, module) for module in allowed), f"bot.{core} imports {name}"
