"""Parse a repository into symbols and chunks, embed them, and store vectors and the symbol graph."""
