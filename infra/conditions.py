"""CloudFormation condition functions, evaluated the way CloudFormation does, for the two places
that read the template without AWS: the devstack (devstack/infra.py) and `infra/invoke.py`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class UnknownFunction(ValueError):
    """A condition function this evaluator does not know."""


def truth(
    expression: Any, resolve: Callable[[Any], Any], condition: Callable[[str], bool]
) -> bool:
    """Fn::Equals / Not / And / Or / Condition; UnknownFunction for any other."""
    ((key, arg),) = expression.items()
    if key == "Fn::Equals":
        return resolve(arg[0]) == resolve(arg[1])
    if key == "Fn::Not":
        return not truth(arg[0], resolve, condition)
    if key == "Fn::And":
        return all(truth(a, resolve, condition) for a in arg)
    if key == "Fn::Or":
        return any(truth(a, resolve, condition) for a in arg)
    if key == "Condition":
        return condition(arg)
    raise UnknownFunction(key)
