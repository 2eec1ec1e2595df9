"""The search package: one contract suite over both engines, and its parts alone."""
