"""Fixtures of the node tests (helpers in node_support.py)."""

from node_support import catalog, database_url, net, party_keys, postgresql_database

__all__ = ["catalog", "database_url", "net", "party_keys", "postgresql_database"]
