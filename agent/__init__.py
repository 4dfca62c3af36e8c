"""A small agent loop that uses the index as its context, with guardrails and an audit log."""
