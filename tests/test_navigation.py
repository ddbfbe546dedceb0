"""Where sessions carry on (a domain answer) and the app owning navigation."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.group import GroupSession, parse_participants
from assistant.paths import resolve_paths
from assistant.reflection import Conversation
from assistant.services import Services
from assistant.services.resume import resume
from assistant.tui import messages
from assistant.tui.home import HomeScreen
from assistant.tui.log_screen import LogScreen
from assistant.tui.reflection_screen import ReflectionScreen
from tui_helpers import FakeClock, make_app, wait_until


@pytest.fixture
def services(tmp_path: Path, bank):
    s = Services(resolve_paths(data_dir=tmp_path / "data"))
    s.__dict__["bank"] = bank
    yield s
    s.close()


def start_reflection(services: Services) -> Conversation:
    flow = next(f for f in services.flows if f.id == "takeaways")
    return Conversation.start(services.store, flow, services.bank.framework, strand="desistance",
                              stage="planning", title="About K")


def test_a_missing_session_says_so(services: Services) -> None:
    where = resume(services, "nope", FakeClock())
    assert (where.view, where.problem) == ("missing", "That session no longer exists.")


def test_an_unfinished_reflection_resumes_at_its_step_and_a_finished_one_opens_its_record(services) -> None:
    conversation = start_reflection(services)
    conversation.answer("K is 15 and this is his first robbery.")
    conversation.advance()
    step = conversation.pending().step
    where = resume(services, conversation.session.id, FakeClock())
    assert where.view == "reflection" and where.conversation is not None
    assert where.conversation.pending().step == step
    services.store.finish(conversation.session.id)
    assert resume(services, conversation.session.id, FakeClock()).view == "record"


def test_a_group_session_resumes_at_its_phase(services: Services) -> None:
    clock = FakeClock()
    case = services.bank.cases[0]
    group = GroupSession.create(services.store, facilitator="Dee", participants=parse_participants("Jo Tate, Sam"),
                                case=case, clock=clock)
    assert resume(services, group.session.id, clock).view == "group-present"
    group.begin()
    assert resume(services, group.session.id, clock).view == "group-questions"
    group.finish()
    assert resume(services, group.session.id, clock).view == "record"


async def test_the_home_screen_is_the_default_screen_and_screens_navigate_by_message(tmp_path: Path, case_search) -> None:
    app = make_app(tmp_path / "data", case_search)
    async with app.run_test(size=(120, 40)) as pilot:
        assert isinstance(app.screen, HomeScreen) and len(app.screen_stack) == 1
        app.screen.post_message(messages.OpenSession("nope"))
        await wait_until(pilot, lambda: any("no longer exists" in str(n.message) for n in app._notifications),
                         what="the missing-session notice")
        conversation = start_reflection(app.services)
        app.screen.post_message(messages.OpenSession(conversation.session.id))
        await wait_until(pilot, lambda: isinstance(app.screen, ReflectionScreen), what="the reflection")
        app.screen.post_message(messages.ShowRecord(conversation.session.id))
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), what="the log")
        app.screen.post_message(messages.GoHome())
        await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen), what="home")
        assert len(app.screen_stack) == 1
