"""Errors services raise: each carries one Chinese sentence that is safe to show to the user."""


class ServiceError(Exception):
    """A refused request; ``str(exc)`` is the Chinese message."""


class PermissionDenied(ServiceError):
    """The acting user's role or scope does not allow this."""


class NotSignedIn(ServiceError):
    """No valid session (expired, revoked or unknown)."""


class Conflict(ServiceError):
    """What the user saw has changed since; they must look again before saving."""
