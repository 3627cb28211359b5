"""Storage: the database schema, migrations, ingestion, queries, exports, admin and registry.

Imports nothing above summaries (which it keeps up to date), never views or http.
"""
