"""`reflect serve`: the app in a web browser, on 127.0.0.1 only (a real server in a real process)."""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from conftest import ROOT, run_reflect

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Served:
    """`reflect serve --port PORT` in its own process group, its stdout read line by line."""

    def __init__(self, data: Path, port: int, *args: str) -> None:
        self.port = port
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "assistant", "serve", "--port", str(port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True,
            env={**os.environ, "REFLECT_DATA_DIR": str(data)})
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def address(self, timeout: float = 60) -> str:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"reflect serve printed no address in {timeout} s") from None
        found = re.search(r"http://127\.0\.0\.1:\d+/\?key=[\w-]+", line)
        assert found, line
        return found.group(0)

    def stop(self) -> int:
        """SIGTERM, as Ctrl+C would stop it; then make sure nothing of the group is left."""
        if self.proc.returncode is not None:
            return self.proc.returncode
        try:
            self.proc.send_signal(signal.SIGTERM)
            return self.proc.wait(timeout=30)
        finally:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)


def app_processes(server_pid: int) -> list[tuple[psutil.Process, str]]:
    """The server's processes that run the app (`sh -c` and python; one a tab), with their command lines."""
    found = []
    for process in psutil.Process(server_pid).children(recursive=True):
        try:
            command = " ".join(process.cmdline())
        except psutil.NoSuchProcess:
            continue
        if "assistant" in command:
            found.append((process, command))
    return found


async def fetch_page_drive_the_app_and_stop(served: Served, address: str) -> dict[str, object]:
    """What a browser does (the page, then its websocket), and then Ctrl+C with the tab still open."""
    import aiohttp

    port = served.port
    seen: dict[str, object] = {}
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        async with http.get(f"http://{HOST}:{port}/") as page:
            seen["without_key"] = page.status
        async with http.get(address) as page:
            seen["status"] = page.status
            seen["html"] = await page.text()
            seen["cookie"] = page.headers.get("Set-Cookie", "")
        ws_url = re.search(r'data-session-websocket-url="([^"]+)"', str(seen["html"])).group(1)  # type: ignore[union-attr]
        key = address.split("key=", 1)[1]
        for name, kwargs in [("ws_without_key", {}),
                             ("ws_other_origin", {"params": {"key": key}, "origin": "http://evil.example"})]:
            try:
                async with http.ws_connect(ws_url, **kwargs):  # type: ignore[arg-type]
                    seen[name] = "connected"
            except aiohttp.WSServerHandshakeError as exc:
                seen[name] = exc.status
        async with http.ws_connect(ws_url, params={"key": key, "width": "100", "height": "30"},
                                   origin=f"http://{HOST}:{port}") as ws:
            screen = b""
            deadline = time.monotonic() + 90  # the app starts in a process of its own
            while b"New reflection" not in screen and time.monotonic() < deadline:
                message = await ws.receive(timeout=deadline - time.monotonic())
                if message.type == aiohttp.WSMsgType.BINARY:
                    screen += message.data
                elif message.type != aiohttp.WSMsgType.TEXT:
                    break
            seen["screen"] = screen.decode("utf-8", "replace")
            seen["apps"] = app_processes(served.proc.pid)

            async def read_to_the_end() -> int | None:  # as the browser does while the server stops
                while (await ws.receive(timeout=30)).type not in (
                        aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                    pass
                return ws.close_code

            reader = asyncio.create_task(read_to_the_end())
            seen["exit"] = await asyncio.to_thread(served.stop)
            seen["closed"] = await reader
    return seen


@pytest.mark.slow
def test_serve_answers_the_page_and_runs_the_app_over_its_websocket(tmp_path: Path) -> None:
    port = free_port()
    served = Served(tmp_path / "data", port, "--font-size", "30")
    try:
        address = served.address()
        assert address.startswith(f"http://{HOST}:{port}/?key=")
        seen = asyncio.run(asyncio.wait_for(fetch_page_drive_the_app_and_stop(served, address), 150))
    finally:
        served.stop()
    assert seen["exit"] == 0, served.proc.stderr.read() if served.proc.stderr else seen["exit"]

    assert seen["without_key"] == 403
    assert seen["status"] == 200
    html = str(seen["html"])
    assert "/static/js/textual.js" in html and "reflect" in html
    assert 'data-font-size="30"' in html
    assert f'data-session-websocket-url="ws://{HOST}:{port}/ws"' in html
    assert "googleapis" not in html and "/static/fonts/RobotoMono" in html  # nothing from the internet
    assert "HttpOnly" in str(seen["cookie"]) and "SameSite=Strict" in str(seen["cookie"])
    assert seen["ws_without_key"] == 403 and seen["ws_other_origin"] == 403
    assert "New reflection" in str(seen["screen"])  # the home screen, drawn by the app's own process
    # The app ran in a process of its own, with this data folder; stopping the server closed the
    # tab (1001: going away) and the app is gone with it.
    assert seen["closed"] == 1001
    apps: list[tuple[psutil.Process, str]] = seen["apps"]  # type: ignore[assignment]
    assert any(f"-m assistant --casebank" in command and f"--data-dir {tmp_path / 'data'}" in command
               for _, command in apps), apps
    gone, alive = psutil.wait_procs([p for p, _ in apps], timeout=15)  # exiting, on a busy machine
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], alive


@pytest.mark.slow
def test_a_port_in_use_is_one_line_and_exit_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_reflect("--data-dir", str(tmp_path / "data"), "serve", "--port", str(port), timeout=60)
    assert result.returncode == 1
    assert result.stderr == f"reflect: port {port} is already in use on 127.0.0.1 (another reflect serve?): " \
                            "choose another with --port\n"
    assert result.stdout == ""


def test_serve_usage_mistakes_exit_2(invoke) -> None:
    assert invoke("serve", "--port", "0").exit_code == 2
    assert invoke("serve", "--port", "70000").exit_code == 2
    assert invoke("serve", "--font-size", "3").exit_code == 2


def test_each_tab_runs_this_interpreter_on_the_same_folders(tmp_path: Path) -> None:
    import shlex

    from assistant.paths import resolve_paths
    from assistant.cli.serve import app_command

    paths = resolve_paths(tmp_path / "my bank", None, tmp_path / "data; rm -rf ~")
    words = shlex.split(app_command(paths))
    assert words[:3] == [sys.executable, "-m", "assistant"]
    assert words[3:] == ["--casebank", str(tmp_path / "my bank"), "--index-dir", str(tmp_path / "my bank" / ".index"),
                         "--data-dir", str(tmp_path / "data; rm -rf ~")]
