"""The layers keep to their rooms, and start-up stays light (checked in fresh processes)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT

HEAVY = ("torch", "sentence_transformers", "transformers")


def modules_after(code: str) -> set[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", ["assistant.casebank", "assistant.search", "assistant.store",
                                    "assistant.render", "assistant.privacy", "assistant.cli"])
@pytest.mark.slow
def test_domain_modules_do_not_import_textual(module: str) -> None:
    loaded = modules_after(f"import {module}")
    assert "textual" not in loaded


@pytest.mark.slow
@pytest.mark.parametrize("module", ["assistant.casebank", "assistant.search", "assistant.cli", "assistant.tui.app"])
def test_importing_never_loads_the_model(module: str) -> None:
    loaded = modules_after(f"import {module}")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.slow
@pytest.mark.parametrize("args", [["--help"], ["case", "validate"], ["search", "--help"], ["serve", "--help"]])
def test_help_and_validate_leave_torch_out(args: list[str]) -> None:
    code = ("import sys\nfrom assistant.cli import cli\n"
            f"try:\n    cli({args!r}, prog_name='reflect')\nexcept SystemExit as e:\n    assert e.code in (0, None), e.code")
    loaded = modules_after(code)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    # The web server is loaded by `reflect serve` alone, when it starts serving.
    assert not loaded & {"textual_serve", "aiohttp", "assistant.cli.serve"}, sorted(loaded & {"textual_serve", "aiohttp", "assistant.cli.serve"})


@pytest.mark.slow
def test_casebank_imports_nothing_of_the_project() -> None:
    loaded = modules_after("import assistant.casebank")
    project = {m for m in loaded if m.startswith("assistant.")}
    assert project <= {"assistant.casebank", "assistant.casebank.load", "assistant.casebank.model",
                       "assistant.casebank.yamlfile"}, project


@pytest.mark.slow
@pytest.mark.parametrize("args", [["search", "girl going missing, older men", "--json"],
                                  ["case", "validate", "--checks"]])
@pytest.mark.slow
def test_search_and_the_model_checks_run_without_torch(args: list[str]) -> None:
    """Queries and small batches run on the ONNX copy (`make test` makes it before the suite)."""
    code = ("import sys\nfrom assistant.cli import cli\n"
            f"try:\n    cli({args!r}, prog_name='reflect')\nexcept SystemExit as e:\n    assert e.code in (0, None), e.code")
    loaded = modules_after(code)
    assert "onnxruntime" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
