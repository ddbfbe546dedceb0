"""The command line: `commands.py` parses and calls the layers below; `output.py` and
`report.py` print (one-line errors, safe text, rich tables)."""

from assistant.cli.commands import cli, main

__all__ = ["cli", "main"]
