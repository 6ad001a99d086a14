"""The decision service (``closure-policy serve``): an ASGI app over the Python API.

``app.py`` the endpoints; ``holder.py`` the policy, swapped whole on reload;
``decision_log.py`` every decision recorded before it is answered;
``problems.py`` errors as RFC 9457 problem details; ``openapi.py`` the
OpenAPI document built from the project's JSON Schemas; ``metrics.py``
Prometheus metrics.
"""
