"""The app's services, typed, for the screens: `self.services` instead of a cast at every use."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.services import Services


class UsesServices:
    """Mixed into screens: the app that shows them is a ReflectApp, which holds the services."""

    @property
    def services(self) -> "Services":
        return self.app.services  # type: ignore[attr-defined]
