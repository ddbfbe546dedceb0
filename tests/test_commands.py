"""The slash-command grammar shared by the answer box and the group's note box."""

from __future__ import annotations

import pytest

from assistant.reflection.commands import Command, parse_command


@pytest.mark.parametrize("text, expected", [
    ("/skip", Command("skip")),
    ("  /PIN 3 ", Command("pin", "3")),
    ("/action AB: ring the school by 12/12", Command("action", "AB: ring the school by 12/12")),
    ("/add Kim Lee (KL)", Command("add", "Kim Lee (KL)")),
    ("/nonsense here", Command("nonsense", "here")),
])
def test_one_line_commands(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize("text", ["He said /skip was rude", "/skip\nand then more", "", "   ", "plain answer"])
def test_text_is_not_a_command(text: str) -> None:
    assert parse_command(text) is None


@pytest.mark.parametrize("rest, number", [("", 1), ("2", 2), ("two", 1), ("12 please", 12)])
def test_the_number_of_pin_and_open(rest: str, number: int) -> None:
    assert Command("pin", rest).number == number
