"""Placeholder OAPI answers: what the engine feeds the translators for ``osc-shim translate``
(``engine.placeholder_answers``).

``translate`` shows the OAPI calls an EC2 request becomes without sending
anything, by driving the very same translators with answers it does not have.
Each answer is a ``Symbolic`` value that stands for "whatever OUTSCALE answers
here" and prints as its path, e.g. ``<CreateImage.Image.ImageId>``:

- ``answer["Image"]["ImageId"]`` and ``answer.get("Images")`` give deeper symbols;
- iterating gives one representative element (``<ReadImages.Images[*]>``);
- in a JSON body it is written as the string ``"<CreateImage.Image.ImageId>"``.

The decisions a translator takes from an answer's content (next page or not,
which IDs were found, whose resource it is, whether it passes a filter) go
through the helpers below, so a placeholder never sends a translator round a
pagination loop or into a NotFound it could not know about.
"""

from __future__ import annotations


class Symbolic:
    __slots__ = ("path",)

    def __init__(self, path: str):
        self.path = path

    # dict-like
    def __getitem__(self, key):
        if isinstance(key, int):
            return Symbolic(f"{self.path}[{key}]")
        return Symbolic(f"{self.path}.{key}")

    def get(self, key, default=None):
        return self[key]

    def __contains__(self, key):
        return True

    def keys(self):
        return ()

    def items(self):
        return ()

    # list-like: one representative element
    def __iter__(self):
        return iter((Symbolic(f"{self.path}[*]"),))

    def __len__(self):
        return 1

    def __bool__(self):
        return True

    def __str__(self):
        return f"<{self.path}>"

    __repr__ = __str__

    def __eq__(self, other):
        return isinstance(other, Symbolic) and other.path == self.path

    def __hash__(self):
        return hash(("Symbolic", self.path))


def is_symbolic(value) -> bool:
    return isinstance(value, Symbolic)


def json_default(value):
    """``json.dumps(..., default=json_default)``: symbols are written as ``"<path>"``."""
    if isinstance(value, Symbolic):
        return str(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def pick(items, member: str, value):
    """The item of an answer's list whose ``member`` is ``value`` (None: none is); of a placeholder list,
    its first element."""
    if is_symbolic(items):
        return items[0]
    for item in items:
        if item.get(member) == value:
            return item
    return None


def missing(wanted, found, member: str) -> list:
    """The values of ``wanted`` that no item of ``found`` carries as ``member``: none when ``found`` holds a
    placeholder (it may hold them all)."""
    if any(is_symbolic(item) for item in found):
        return []
    seen = {item.get(member) for item in found}
    return [value for value in wanted if value not in seen]


def may_be(value, allowed) -> bool:
    """``value in allowed``; a placeholder may be anything, so it may be one of them."""
    return is_symbolic(value) or value in allowed


def read_answer(value, read, stand_in=lambda value: value):
    """What a translator reads from (part of) an answer: ``read(value)``.  Of a placeholder, ``stand_in(value)``:
    by default the placeholder itself, which stands for whatever the read gives on OUTSCALE's answer."""
    return stand_in(value) if is_symbolic(value) else read(value)


def next_page_token(answer):
    """The answer's ``NextPageToken``, or None (always None for a symbolic answer)."""
    token = answer.get("NextPageToken") if hasattr(answer, "get") else None
    if token is None or is_symbolic(token) or token == "":
        return None
    return token
