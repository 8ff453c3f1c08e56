"""Errors raised by the AMI client."""

from __future__ import annotations


class AmiError(Exception):
    """Base of every AMI client error."""


class AmiLoginError(AmiError):
    """Asterisk refused the login; carries the server's own Message (corpus 09a:
    `Authentication failed`, the same text for an unknown user and a wrong secret)."""

    def __init__(self, server_message: str) -> None:
        super().__init__(f"AMI login refused by Asterisk: {server_message}")
        self.server_message = server_message


class AmiNotConnected(AmiError):
    """No logged-in AMI session right now."""


class AmiConnectionLost(AmiError):
    """The session ended while an action was waiting for its answer."""


class AmiActionTimeout(AmiError, TimeoutError):
    """No complete answer to an action within its timeout."""
