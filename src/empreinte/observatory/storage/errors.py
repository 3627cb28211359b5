"""Why a write or a lookup in storage failed, with the HTTP status the API answers."""

from __future__ import annotations

from empreinte.errors import ServerError

__all__ = ["Conflict", "NotFound"]


class Conflict(ServerError):
    """Submissions that cannot be stored: ``fields`` lists ``(field, message)``."""

    def __init__(self, message: str, fields: list[tuple[str, str]], status: int = 409) -> None:
        self.fields = fields
        super().__init__(message, status)


class NotFound(Conflict):
    """No row with the id asked for (HTTP 404)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [], status=404)
