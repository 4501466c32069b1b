"""Settings read from the environment, strictly: a variable that is set must mean something.

A value that cannot be read stops start-up with ImproperlyConfigured naming the variable and the
value, instead of quietly meaning "off" (`REPROSTORE_DEBUG=true` once did) or failing later with
a bare ValueError. A variable that is unset or empty takes its default.
"""

import math
import os
from collections.abc import Iterable, Mapping

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def bad_value(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} is '{value}': expected {expected}")


def parse_bool(name: str, value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise bad_value(name, value, "true or false (or 1/0, yes/no, on/off)")


def parse_int(name: str, value: str, *, minimum: int | None = None) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise bad_value(name, value, "a whole number") from None
    return at_least(name, value, number, minimum, "a whole number")


def parse_float(name: str, value: str, *, minimum: float | None = None) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        raise bad_value(name, value, "a number") from None
    if not math.isfinite(number):
        raise bad_value(name, value, "a finite number")
    return at_least(name, value, number, minimum, "a number")


def at_least(name: str, value: str, number, minimum, kind: str):
    if minimum is not None and number < minimum:
        raise bad_value(name, value, f"{kind} of at least {minimum}")
    return number


def parse_choice(name: str, value: str, choices: Iterable[str]) -> str:
    """One of `choices`, matched without regard to case and returned as the choice is spelled."""
    by_word = {choice.lower(): choice for choice in choices}
    try:
        return by_word[value.strip().lower()]
    except KeyError:
        raise bad_value(name, value, "one of " + ", ".join(by_word.values())) from None


def raw(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The variable's value, or None when it is unset or empty."""
    value = (os.environ if environ is None else environ).get(name, "")
    return value if value.strip() else None


def env_str(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    value = raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    value = raw(name, environ)
    return default if value is None else parse_bool(name, value)


def env_int(
    name: str, default: int, *, minimum: int | None = None, environ: Mapping[str, str] | None = None
) -> int:
    value = raw(name, environ)
    return default if value is None else parse_int(name, value, minimum=minimum)


def env_float(
    name: str,
    default: float,
    *,
    minimum: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> float:
    value = raw(name, environ)
    return default if value is None else parse_float(name, value, minimum=minimum)


def env_choice(
    name: str, default: str, choices: Iterable[str], environ: Mapping[str, str] | None = None
) -> str:
    value = raw(name, environ)
    return parse_choice(name, default if value is None else value, choices)


def env_list(name: str, default: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    value = (os.environ if environ is None else environ).get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]
