"""The framework-free core of AidBridge: plain Python on plain data.

Nothing here imports the web framework, the ORM, the search engines or the job queue; a test
(tests/unit/test_layers.py) keeps it that way.
"""
