"""What the contests area announces to the areas above it (which it may not import): blinker signals.

- `template_loaded`: a contest was just created from a definition file used as a template (console import,
  `flask contest load`); sender: the contest; keywords `start` (the date the template is used from) and `actor`.
  A receiver dates what its kind of contest needs (a merit contest's periods) and returns a message for the user.
- `member_added`: a person joined a contest's staff; sender: the contest; keywords `user`, `role`, `actor`.
  A receiver gives a late judge or assessor what the others already have (the sheets of open periods).
- `member_removed`: a person left a contest's staff (the membership row is still there when it is sent); sender: the
  contest; keywords `user`, `role`, `actor`. A receiver ends that person's access to the contest's sheets in its
  area: submitted marks stay (audited), open sheets are taken back and reported for reassignment; it returns a
  message for the organiser (e.g. "3 张未提交的评分表待重新分配").

Receivers run inside the caller's transaction and never commit; an exception refuses the whole change.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

template_loaded = _signals.signal("template-loaded")
member_added = _signals.signal("member-added")
member_removed = _signals.signal("member-removed")


def messages(results) -> list[str]:
    """The messages receivers returned (blinker's `send` gives (receiver, value) pairs)."""
    return [value for _receiver, value in results if value]
