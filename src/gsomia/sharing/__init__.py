"""Sharing wing: agreements as data, markings, release decisions, consents, audit."""
