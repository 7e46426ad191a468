"""The back office's world (Alice's and Bob's requests, a batch...) for the security suite."""

from backoffice.tests.conftest import world

__all__ = ["world"]
