"""Benchmarks for the challenge server: ``python -m bench`` (``make bench``).

- ``votes``: vote throughput over real HTTP, the app against a bare Starlette
  baseline that runs the same SQL (goal: app >= 0.6 x baseline).
- ``national``: latency percentiles of list and search requests on a national-scale
  challenge (goal: p99 <= 50 ms for pages, <= 100 ms for search).

Figures are printed and recorded in ``bench/RESULTS.md``. Everything targets
127.0.0.1 only, and every loop is bounded in count and in time.
"""
