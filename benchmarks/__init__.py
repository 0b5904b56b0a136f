"""Benchmarks of anpr_ops against baselines measured in the same run (``make bench``)."""
