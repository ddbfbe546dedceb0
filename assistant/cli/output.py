"""Printing for the command line: every line goes through `outputsafe.clean` on its way out.

`echo` is what the commands print with. `SafeGroup` catches the messages click writes itself
(usage errors quote what was typed, which may hold escape sequences) and cleans them too.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from assistant.outputsafe import SafeStream, clean

__all__ = ["echo", "SafeGroup"]


def echo(message: Any = "", err: bool = False, nl: bool = True) -> None:
    """`click.echo` of the cleaned text: no byte of data can act on the terminal."""
    click.echo(clean("" if message is None else str(message)), err=err, nl=nl)


class SafeGroup(click.Group):
    """A click group whose own error messages are cleaned like everything else printed."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """Run the command; in standalone mode show click's errors cleaned, then exit."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except click.ClickException as exc:
            exc.show(file=SafeStream(sys.stderr))  # type: ignore[arg-type]
            sys.exit(exc.exit_code)
        except click.Abort:
            echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)
