"""Step ids read and written in one place."""

from __future__ import annotations

from assistant.reflection.steps import Step, kind_of, step_id


def test_round_trip() -> None:
    for kind, parts in [("q", ("the-case",)), ("probe", ("victims",)), ("status", (12,)), ("due", ("actions", 2))]:
        text = step_id(kind, *parts)
        assert str(Step.parse(text)) == text and kind_of(text) == kind


def test_numbers_keys_and_bare_names() -> None:
    assert Step.parse("status:41").number == 41
    assert Step.parse("q:3").number == 3
    assert Step.parse("probe:victims").number == -1
    assert Step.parse("due:actions:2").parts == ["actions", "2"]
    assert Step.parse("done") == Step("done") and kind_of(None) == "" and kind_of("finish-early") == "finish-early"
