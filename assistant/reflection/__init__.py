"""The conversation: flows, follow-up probes, framework coverage, session state and logs."""

from assistant.reflection.conversation import DONE, Conversation, Prompt, ReflectionError
from assistant.reflection.flows import Flow, load_flows

__all__ = ["DONE", "Conversation", "Flow", "Prompt", "ReflectionError", "load_flows"]
