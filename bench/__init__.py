"""Benchmarks: ratios against named baselines measured in the same run, printed as tables."""
