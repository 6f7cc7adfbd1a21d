"""The service's reads: table rows in, API schemas out (no writes; the indexer owns the data).

Every function takes a session and plain values already checked by ``deps``; ``None`` means
"not found" and becomes a 404 in the route. One module per resource, as the routes.
"""
