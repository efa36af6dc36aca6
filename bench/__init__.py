"""Benchmarks for the challenge server: ``python -m bench`` (``make bench``).

- ``votes``: vote throughput over real HTTP, the app against a bare Starlette
  baseline that sends exactly the app's SQL, caches on and off (goal: app >= 0.6 x
  baseline).
- ``national``: latency percentiles of list and search requests on a national-scale
  challenge, from the page cache and uncached (goal: p99 <= 50 ms for pages, <= 100 ms
  for search).
- ``moderation``, ``moderation-tui``, ``client``, ``tui``: see their modules.

Figures are printed and recorded in ``bench/RESULTS.md``, each block with a
calibration of the machine measured in the same run (``bench.common.calibrate``).
Everything targets 127.0.0.1 only, and every loop is bounded in count and in time.
"""
