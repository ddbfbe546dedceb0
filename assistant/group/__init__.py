"""Group reflection sessions for supervisors: participants, timed questions, who said what, records."""

from assistant.group.people import Participant, PeopleError, parse_participants
from assistant.group.session import GroupError, GroupSession
from assistant.group.timer import Countdown, clock_text

__all__ = ["Countdown", "GroupError", "GroupSession", "Participant", "PeopleError", "clock_text",
           "parse_participants"]
