"""Harnesses of the reliability campaigns (issue 6): shared state snapshots, a rich log that
fills every stored column, writer processes for the crash and concurrency campaigns, and the
tamper catalogue. Nothing here is a test; the ``test_*`` modules drive it.
"""
