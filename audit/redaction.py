"""Entries whose content some users may not read yet, as decided by the apps that wrote them.

The audit log imports no app. An app whose entries can carry what some users may not see
yet (a nominee's vote figures before the results are released) registers a rule in its
AppConfig.ready: a function of the user giving the entries whose `before`, `after` and
`reason` that user may not read (a Q), or None when there are none.
"""

from collections.abc import Callable
from functools import reduce
from operator import or_

from django.db.models import Q

Rule = Callable[..., Q | None]

_rules: list[Rule] = []


def register(rule: Rule) -> Rule:
    if rule not in _rules:
        _rules.append(rule)
    return rule


def hidden_entries(*, user) -> Q | None:
    """The entries whose content `user` may not read, or None if they may read every entry."""
    hidden = [q for rule in _rules if (q := rule(user=user)) is not None]
    return reduce(or_, hidden) if hidden else None
