"""The error a handler raises to answer a request with ``retType = -1`` and a message."""

from __future__ import annotations


class SimError(Exception):
    """A request OpenD would refuse; the message is what the client sees as ``retMsg``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
