"""Views: the dicts that both the API and the pages serve, and the charts drawn from them.

Imports summaries and storage, never http.
"""
