"""Retrieval-quality and speed benchmarks."""
