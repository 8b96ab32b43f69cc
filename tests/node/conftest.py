"""Fixtures of the node tests (helpers in node_support.py)."""

from node_support import catalog, net, party_keys

__all__ = ["catalog", "net", "party_keys"]
