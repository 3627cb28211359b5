"""Summaries: totals, cohorts and fronts tables kept up to date at ingestion, and their cache.

Imports storage's schema and queries, never views or http.
"""
