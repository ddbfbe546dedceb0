"""`reflect serve`: the app in a web browser, through textual-serve, on 127.0.0.1 alone.

Each browser tab that opens the page starts its own copy of the app (`python -m assistant`,
this interpreter, with the same case bank, index and data folder) and drives it over a
websocket; closing the tab quits that copy. What the server guards, beyond listening on the
loopback address only:

- the page and its websocket answer only someone holding the key in the printed address (or
  the cookie the page sets), so another account on the same computer cannot open the app and
  read its sessions;
- the websocket refuses a page from any other origin, so a web site open in the same browser
  cannot drive the app (websockets are not bound by the same-origin rule), and a request whose
  Host is not this address is refused (DNS rebinding);
- the page loads nothing from the internet: the font comes from textual-serve's own files
  instead of Google Fonts.

Only the serve command imports this module (it imports aiohttp and textual-serve).
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import logging
import re
import secrets
import shlex
import signal
import socket
import sys
from typing import Any, Callable

from aiohttp import WSCloseCode, web
from textual_serve.server import Server

from assistant.paths import Paths

__all__ = ["HOST", "ServeError", "app_command", "check_port", "serve"]

HOST = "127.0.0.1"

_GOOGLE_FONTS = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>", re.S)
_LOCAL_FONT = """<style>
      @font-face {{ font-family: "Roboto Mono"; font-style: normal; font-weight: 100 700;
        src: url("{static}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype"); }}
      @font-face {{ font-family: "Roboto Mono"; font-style: italic; font-weight: 100 700;
        src: url("{static}fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype"); }}
    </style>"""


class ServeError(Exception):
    """A reported problem (the port is taken, say): one line, exit 1."""


def app_command(paths: Paths) -> str:
    """The shell command each browser tab runs: this interpreter, the same bank, index and data folder."""
    return shlex.join([sys.executable, "-m", "assistant",
                       "--casebank", str(paths.casebank.absolute()),
                       "--index-dir", str(paths.index_dir.absolute()),
                       "--data-dir", str(paths.data_dir.absolute())])


def _port_problem(port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is already in use on {HOST} (another reflect serve?): choose another with --port"
    if exc.errno == errno.EACCES:
        return f"port {port} needs administrator rights here: choose one above 1023 with --port"
    return f"cannot listen on {HOST}:{port} ({exc.strerror or exc})"


def check_port(port: int) -> None:
    """Raise ServeError when nothing could listen on `port` of the loopback address now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            raise ServeError(_port_problem(port, exc)) from None


class ReflectServer(Server):
    """textual-serve's server, answering only its own page, on its own address, with its key."""

    def __init__(self, command: str, port: int, font_size: int, announce: Callable[[str], None]) -> None:
        super().__init__(command, host=HOST, port=port, title="reflect")
        self.font_size = font_size
        self.announce = announce
        self.key = secrets.token_urlsafe(16)
        self.cookie = f"reflect-serve-{port}"
        self.hosts = {f"{HOST}:{port}", f"localhost:{port}"}
        self.origins = {f"http://{host}" for host in self.hosts}
        self.tabs: set[asyncio.Task[Any]] = set()  # the websocket handlers, one an open tab
        self.sockets: set[web.WebSocketResponse] = set()  # their websockets

    @property
    def address(self) -> str:
        return f"{self.public_url}/?key={self.key}"

    def initialize_logging(self) -> None:
        # Problems only: no line per request (and so no key) in the terminal.
        logging.basicConfig(level="WARNING", format="reflect serve: %(message)s")

    async def on_startup(self, app: web.Application) -> None:
        pass  # textual-serve prints its logo here, before the port is even open

    async def on_shutdown(self, app: web.Application) -> None:
        """Stop at once: close each open tab's websocket, so textual-serve tells its app to quit and
        waits for it to exit, instead of the server waiting for the browsers to hang up."""
        await asyncio.gather(*(ws.close(code=WSCloseCode.GOING_AWAY, message=b"reflect serve stopped")
                               for ws in list(self.sockets)), return_exceptions=True)
        if self.tabs:
            await asyncio.wait(list(self.tabs), timeout=10)

    async def _process_messages(self, websocket: web.WebSocketResponse, app_service: Any) -> None:
        # The one place textual-serve hands over a tab's websocket (once its app has started).
        self.sockets.add(websocket)
        try:
            await super()._process_messages(websocket, app_service)
        finally:
            self.sockets.discard(websocket)

    def serve(self, debug: bool = False) -> None:
        """As textual-serve's own, but the address is announced once the port listens (not before),
        with no line per request, and a stop never waits long for a tab."""
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.request_exit)
        web.run_app(self._make_app(), host=self.host, port=self.port, loop=loop, handle_signals=False,
                    access_log=None, shutdown_timeout=10, print=lambda *_: self.announce(self.address))

    def _allowed(self, request: web.Request, *, websocket: bool) -> bool:
        if request.host not in self.hosts:
            return False
        origin = request.headers.get("Origin")
        if websocket and origin is not None and origin not in self.origins:
            return False
        given = request.query.get("key") or request.cookies.get(self.cookie) or ""
        return hmac.compare_digest(given.encode(), self.key.encode())

    async def handle_index(self, request: web.Request) -> Any:  # type: ignore[override]
        if not self._allowed(request, websocket=False):
            raise web.HTTPForbidden(text="reflect serve: open the address it printed, with its key\n")
        if "fontsize" not in request.query:
            request = request.clone(rel_url=request.rel_url.update_query(fontsize=str(self.font_size)))
        response = await super().handle_index(request)
        static = f"{self.public_url}/static/"
        response.text = _GOOGLE_FONTS.sub(lambda _: _LOCAL_FONT.format(static=static), response.text)
        response.set_cookie(self.cookie, self.key, httponly=True, samesite="Strict", path="/")
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if not self._allowed(request, websocket=True):
            raise web.HTTPForbidden(text="reflect serve: not from this page\n")
        tab = asyncio.current_task()
        assert tab is not None
        self.tabs.add(tab)
        try:
            return await super().handle_websocket(request)
        finally:
            self.tabs.discard(tab)


def serve(paths: Paths, port: int, font_size: int, announce: Callable[[str], None]) -> None:
    """Serve the app on 127.0.0.1:`port` until Ctrl+C (or SIGTERM); raises ServeError with one line."""
    check_port(port)
    server = ReflectServer(app_command(paths), port, font_size, announce)
    try:
        server.serve()
    except OSError as exc:  # taken between the check and the bind
        raise ServeError(_port_problem(port, exc)) from None
