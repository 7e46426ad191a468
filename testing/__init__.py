"""Helpers the tests share (see helpers.py)."""
