"""Explicit state machines: each lifecycle is a table of (state, action) -> next state.

An action not in the table for the current state is refused with ``IllegalTransition``,
naming the current state and the steps that are allowed from it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from services.kernel.errors import IllegalTransition


@dataclass(frozen=True)
class Lifecycle:
    kind: str
    initial: str
    transitions: dict[str, dict[str, str]]       # state -> {action: next state}
    internal: frozenset[str] = field(default_factory=frozenset)  # taken by the system, not callers
    extra_steps: dict[str, tuple[str, ...]] = field(default_factory=dict)  # e.g. "vote"

    @property
    def states(self) -> set[str]:
        return set(self.transitions) | {s for t in self.transitions.values() for s in t.values()}

    def terminal(self, state: str) -> bool:
        return not self.transitions.get(state)

    def steps(self, state: str) -> list[str]:
        """What a caller may do from ``state``: public actions and extra steps such as voting."""
        public = [a for a in self.transitions.get(state, {}) if a not in self.internal]
        return sorted(public + list(self.extra_steps.get(state, ())))

    def next(self, state: str, action: str, *, internal: bool = False) -> str:
        target = self.transitions.get(state, {}).get(action)
        if target is None or (action in self.internal and not internal):
            raise IllegalTransition.of(self.kind, state, action, self.steps(state))
        return target

    def refuse(self, state: str, requested: str) -> IllegalTransition:
        return IllegalTransition.of(self.kind, state, requested, self.steps(state))


MOTION = Lifecycle(
    kind="motion",
    initial="draft",
    transitions={
        "draft": {"raise": "raised", "withdraw": "withdrawn"},
        "raised": {"deliberate": "in_deliberation", "withdraw": "withdrawn"},
        # Only the bodies' votes decide (民主定): approve/reject are the system's own steps.
        "in_deliberation": {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn"},
        # A matter needing no money (labour and materials only) may start at once.
        "approved": {"request_funding": "funding_requested", "start": "in_progress",
                     "withdraw": "withdrawn"},
        "funding_requested": {"fund": "funded", "withdraw": "withdrawn"},
        "funded": {"start": "in_progress"},
        "in_progress": {"complete": "completed"},
        "completed": {"review": "reviewed"},
        "rejected": {},
        "reviewed": {},
        "withdrawn": {},
    },
    internal=frozenset({"approve", "reject"}),
    extra_steps={"in_deliberation": ("vote",)},
)

REPORT = Lifecycle(
    kind="report",
    initial="filed",
    transitions={
        "filed": {"assign": "assigned"},
        "assigned": {"assign": "assigned", "resolve": "resolved"},   # reassigning is allowed
        # The reporter has the last word: satisfied closes it, otherwise it is reopened.
        "resolved": {"confirm": "confirmed", "reopen": "assigned"},
        "confirmed": {},
    },
)

GOOD_DEED = Lifecycle(
    kind="good_deed",
    initial="reported",
    transitions={"reported": {"verify": "verified", "reject": "rejected"},
                 "verified": {}, "rejected": {}},
)

MEETING = Lifecycle(
    kind="meeting",
    initial="scheduled",
    transitions={"scheduled": {"hold": "held", "cancel": "cancelled"},
                 "held": {}, "cancelled": {}},
    extra_steps={"held": ("record_minutes", "vote")},
)

SUGGESTION = Lifecycle(
    kind="suggestion",
    initial="open",
    transitions={"open": {"answer": "answered"}, "answered": {}},
)
