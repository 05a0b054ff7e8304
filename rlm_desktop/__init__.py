"""RLM Desktop: private, offline document analysis with a local model and the RLM recipe.

Kept import-light on purpose: the sandbox worker imports sub-modules of this package.
"""

__version__ = "0.1.0"
