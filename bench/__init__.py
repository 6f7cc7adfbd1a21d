"""Benchmarks: each part records its figures into bench/results.json; `make bench` prints them."""
