"""Benchmarks: every ``bench/<name>.py`` module with a ``main()``; ``make bench`` runs them all."""
