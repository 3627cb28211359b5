"""HTTP: the FastAPI app, the JSON API, the HTML pages, error handlers and security middleware.

The top layer of the observatory: it may import views, summaries, storage and settings.
"""
