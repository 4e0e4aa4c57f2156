"""FCM topic conditions: `'dogs' in topics && ('cats' in topics || !('birds' in topics))`.

A condition names at most five topics and combines them with `&&`, `||`, `!` and parentheses (`&&` binds tighter
than `||`). `parse_condition` turns one into a `Condition` that tells whether a device's set of topics matches it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_TOPICS = 5
TOPIC_NAME = re.compile(r"^[a-zA-Z0-9\-_.~%]{1,900}$")
_TOKEN = re.compile(r"\s*(?:(?P<topic>'[^']*'|\"[^\"]*\")\s+in\s+topics\b|(?P<op>&&|\|\||!|\(|\)))")


class ConditionError(ValueError):
    """The expression is not a valid FCM condition."""


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition: the topics it names and its test over a device's subscriptions."""

    expression: str
    topics: frozenset[str]
    matches: Callable[[frozenset[str] | set[str]], bool]


def parse_condition(expression: str) -> Condition:
    """Parse `expression`; raises ConditionError when it is malformed or names more than five topics."""
    tokens: list[str] = []
    position = 0
    stripped = expression.rstrip()
    while position < len(stripped):
        found = _TOKEN.match(stripped, position)
        if found is None:
            raise ConditionError(f"unexpected text at {position}: {stripped[position : position + 20]!r}")
        topic = found.group("topic")
        tokens.append(f"@{topic[1:-1]}" if topic is not None else found.group("op"))
        position = found.end()
    names = frozenset(t[1:] for t in tokens if t.startswith("@"))
    if not names:
        raise ConditionError("a condition names at least one topic")
    if len(names) > MAX_TOPICS:
        raise ConditionError(f"a condition names at most {MAX_TOPICS} topics")
    for name in names:
        if not TOPIC_NAME.match(name):
            raise ConditionError(f"invalid topic name {name!r}")
    parser = _Parser(tokens)
    test = parser.either()
    if parser.index != len(tokens):
        raise ConditionError(f"unexpected {tokens[parser.index]!r}")
    return Condition(expression, names, test)


Test = Callable[[frozenset[str] | set[str]], bool]


class _Parser:
    """Recursive descent: either := both ('||' both)*; both := unary ('&&' unary)*; unary := '!' unary | atom."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.index = 0

    def _peek(self) -> str | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise ConditionError("the condition ends too early")
        self.index += 1
        return token

    def either(self) -> Test:
        terms = [self.both()]
        while self._peek() == "||":
            self.index += 1
            terms.append(self.both())
        return terms[0] if len(terms) == 1 else (lambda topics: any(t(topics) for t in terms))

    def both(self) -> Test:
        terms = [self.unary()]
        while self._peek() == "&&":
            self.index += 1
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else (lambda topics: all(t(topics) for t in terms))

    def unary(self) -> Test:
        token = self._take()
        if token == "!":
            inner = self.unary()
            return lambda topics: not inner(topics)
        if token == "(":
            inner = self.either()
            if self._take() != ")":
                raise ConditionError("missing ')'")
            return inner
        if token.startswith("@"):
            name = token[1:]
            return lambda topics: name in topics
        raise ConditionError(f"unexpected {token!r}")
