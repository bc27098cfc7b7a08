"""The one error the document engine raises for bad input."""

from __future__ import annotations


class DocumentDataError(ValueError):
    """The data cannot make a sound document; `message` is Danish and says what is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
