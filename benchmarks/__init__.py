"""Benchmarks: kernel, mlp and export speed, printed as ratios measured in one run."""
