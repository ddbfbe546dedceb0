"""Group reflection sessions for supervisors: participants, formats, timed stages, who said what, records."""

from assistant.group.formats import GroupFormat, load_formats
from assistant.group.people import Participant, PeopleError, parse_participants
from assistant.group.session import GroupError, GroupSession
from assistant.group.timer import Countdown, clock_text

__all__ = ["Countdown", "GroupError", "GroupFormat", "GroupSession", "Participant", "PeopleError", "clock_text",
           "load_formats", "parse_participants"]
