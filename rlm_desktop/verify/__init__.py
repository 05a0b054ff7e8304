"""Answers you can check: where document text went during a run (provenance), the sources an
answer names or that support it (citations), and each quote located in the documents
(verification). Qt-free and model-free: it reads documents and the run's record only.
"""
