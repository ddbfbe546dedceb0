"""The wheel works on its own: built from this checkout, installed into an empty folder, run elsewhere.

Nothing of the checkout may be found by the installed copy: it must carry the bank, the
prompts, the templates and the committed index itself (read through importlib.resources).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-q", "-w", str(out)],
        capture_output=True, text=True, timeout=300, cwd=out)
    assert build.returncode == 0, build.stderr[-2000:]
    wheels = list(out.glob("reflect-*.whl"))
    assert len(wheels) == 1
    target = tmp_path_factory.mktemp("target")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", str(wheels[0]), "--no-deps", "--target", str(target),
         "--disable-pip-version-check", "-q"],
        capture_output=True, text=True, timeout=300, cwd=out)
    assert install.returncode == 0, install.stderr[-2000:]
    return target


def run(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(target), "REFLECT_DATA_DIR": str(cwd / "data"),
           # the ONNX copy is made per machine, never shipped: use the one `make test` made
           "REFLECT_MODEL_CACHE": str(ROOT / "embeddings")}
    for name in ("REFLECT_CASEBANK", "REFLECT_INDEX_DIR"):
        env.pop(name, None)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env=env)


def test_the_wheel_carries_the_bank_prompts_templates_and_index(installed: Path) -> None:
    wheel = next((installed.parent).glob("wheel*/reflect-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("assistant/bundled/casebank/framework.yaml", "assistant/bundled/casebank/themes.yaml",
                     "assistant/bundled/prompts/help.md", "assistant/bundled/prompts/flows/takeaways.yaml",
                     "assistant/bundled/prompts/action_status.yaml",
                     "assistant/bundled/prompts/templates/reflection.md.j2",
                     "assistant/bundled/prompts/templates/reflection.cpd.txt.j2",
                     "assistant/bundled/embeddings/manifest.json", "assistant/bundled/embeddings/vectors.npy",
                     "assistant/bundled/embeddings/coverage.npz", "assistant/tui/app.tcss"):
        assert expected in names, expected
    cases = [n for n in names if n.startswith("assistant/bundled/casebank/cases/")]
    assert len(cases) == len(list((ROOT / "casebank" / "cases").glob("*.yaml")))
    assert not any(n.endswith("model.onnx") for n in names)  # made on each machine, never shipped


def test_the_installed_copy_reads_its_own_files(installed: Path, tmp_path: Path) -> None:
    probe = run(installed, tmp_path, "-c",
                "import assistant, assistant.paths as p, assistant.render as r;"
                "print(assistant.__file__); print(p.BUNDLED_CASEBANK); print(p.PROMPTS_DIR); print(r.BUNDLED_TEMPLATES)")
    assert probe.returncode == 0, probe.stderr
    for line in probe.stdout.split():
        assert Path(line).is_relative_to(installed), line


def test_installed_reflect_validates_and_searches_from_another_folder(installed: Path, tmp_path: Path) -> None:
    validate = run(installed, tmp_path, "-m", "assistant", "case", "validate")
    assert validate.returncode == 0, validate.stderr
    assert "valid" in validate.stdout.lower()
    search = run(installed, tmp_path, "-m", "assistant", "search", "--json", "a girl drawn into county lines")
    assert search.returncode == 0, search.stderr
    doc = json.loads(search.stdout)
    assert doc["results"], doc
    checkout = subprocess.run([sys.executable, "-m", "assistant", "search", "--json", "a girl drawn into county lines"],
                              capture_output=True, text=True, timeout=300, cwd=ROOT,
                              env={**os.environ, "REFLECT_DATA_DIR": str(tmp_path / "data2")})
    assert [r["id"] for r in doc["results"]] == [r["id"] for r in json.loads(checkout.stdout)["results"]]
    assert any("exploitation" in r["themes"] for r in doc["results"][:3])
