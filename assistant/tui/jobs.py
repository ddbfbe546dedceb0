"""The contract for background work: results and failures come back as messages.

A job is a thread worker declared with `job(...)`: a failure never quits the app
(`exit_on_error=False`). It returns its result rather than reaching into the screen; Textual
posts `Worker.StateChanged`, and `Jobs` hands the result to the node's `<name>_done(result)`,
or the exception to `<name>_failed(error)` (by default a one-line notice). A job that was
cancelled, or superseded by a newer one in the same exclusive group (an older search when the
person has typed on), ends CANCELLED and never reaches its handler: a stale result is dropped.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, TypeVar

from textual import work
from textual.worker import Worker, WorkerState

from assistant.textsafe import one_line

F = TypeVar("F", bound=Callable[..., Any])


def job(group: str, *, exclusive: bool = True) -> Callable[[F], F]:
    """A thread worker under the contract. `exclusive`: a new run cancels the older ones of its group."""
    return work(thread=True, exclusive=exclusive, group=group, exit_on_error=False)  # type: ignore[return-value]


def failure_line(what: str, error: BaseException | None) -> str:
    detail = f"{error.__class__.__name__}: {error}" if error is not None else "unknown error"
    return one_line(f"{what} failed ({detail}); everything you wrote is kept.", 300)


class Jobs:
    """Mixed into the app and the screens that run jobs."""

    JOB_NAMES: ClassVar[dict[str, str]] = {}  # method name -> what a person would call it

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.node is not self:
            return
        if event.state == WorkerState.SUCCESS:
            handler = getattr(self, f"{worker.name}_done", None)
            if handler is not None:
                handler(worker.result)
        elif event.state == WorkerState.ERROR:
            handler = getattr(self, f"{worker.name}_failed", None)
            if handler is not None:
                handler(worker.error)
            else:
                what = self.JOB_NAMES.get(worker.name, worker.name.replace("_", " ").capitalize())
                self.notify(failure_line(what, worker.error), severity="error", timeout=10,  # type: ignore[attr-defined]
                            markup=False)
