"""reflect: a reflective practice assistant for youth justice practitioners."""

__version__ = "0.1.0"
