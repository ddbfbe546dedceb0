"""The arrows of ARCHITECTURE.md hold: import-linter's contracts (pyproject.toml) and no cycles in the tui."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def lint(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--no-cache", *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_the_import_contracts_are_kept() -> None:
    result = lint()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_a_broken_contract_is_caught(tmp_path: Path) -> None:
    """The check can fail: the same layers upside down must be reported as broken."""
    config = tmp_path / "upside-down.toml"
    config.write_text('[tool.importlinter]\nroot_package = "assistant"\n\n'
                      '[[tool.importlinter.contracts]]\nname = "upside down"\ntype = "layers"\n'
                      'layers = ["assistant.casebank", "assistant.search", "assistant.cli"]\n', encoding="utf-8")
    result = lint("--config", str(config))
    assert result.returncode != 0
    assert "BROKEN" in result.stdout


def tui_cycles() -> list[list[str]]:
    graph = grimp.build_graph("assistant")
    tui = {m for m in graph.modules if m.startswith("assistant.tui.")}
    edges = {m: {d for d in graph.find_modules_directly_imported_by(m) if d in tui} for m in tui}
    cycles, state = [], {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for nxt in sorted(edges[module]):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[module] = "done"

    for module in sorted(tui):
        if module not in state:
            visit(module, [module])
    return cycles


def test_the_tui_has_no_import_cycle() -> None:
    assert tui_cycles() == []
