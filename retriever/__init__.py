"""Hybrid retrieval and architectural context over an index."""
