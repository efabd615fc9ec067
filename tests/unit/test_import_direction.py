"""Imports point down: no module under ``ml_connector/integrations`` imports the runtime, the web UI or the
CLI (at module level or inside a function). Those layers hand an integration what it needs (a ``trigger``
for webhooks, a ``run`` function for demos)."""

from __future__ import annotations

import ast
from pathlib import Path

import ml_connector

PACKAGE = Path(ml_connector.__file__).parent
UPPER = ("ml_connector.runtime", "ml_connector.web", "ml_connector.cli")


def imported(source: str, package: list[str]) -> list[tuple[int, str]]:
    """(line, module) of every import in ``source`` (a module of ``package``), relative ones resolved."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, node.module] if node.module else base)
            found.append((node.lineno, name))
            found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return found


def upward(found: list[tuple[int, str]]) -> list[tuple[int, str]]:
    return [(line, name) for line, name in found if any(name == u or name.startswith(u + ".") for u in UPPER)]


def test_no_integration_module_imports_runtime_web_or_cli() -> None:
    files = sorted((PACKAGE / "integrations").rglob("*.py"))
    assert len(files) > 20  # the scan really reads the integrations
    bad = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for path in files
        for line, name in upward(imported(path.read_text(), list(path.relative_to(PACKAGE.parent).parts[:-1])))
    ]
    assert bad == []


def test_the_scan_sees_imports_inside_functions_and_relative_ones() -> None:
    source = (
        "import ml_connector.web.app\n"
        "from ml_connector.store import Store\n"
        "def f():\n"
        "    from ml_connector.runtime.service import run_integration\n"
        "from ...cli import main\n"
        "from ... import runtime\n"
        "from .. import sources\n"  # ml_connector.integrations.sources: not upward
    )
    found = upward(imported(source, ["ml_connector", "integrations", "looker_qad"]))
    assert sorted(name for _, name in found) == [
        "ml_connector.cli",
        "ml_connector.cli.main",
        "ml_connector.runtime",
        "ml_connector.runtime.service",
        "ml_connector.runtime.service.run_integration",
        "ml_connector.web.app",
    ]
