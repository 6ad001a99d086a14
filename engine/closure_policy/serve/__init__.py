"""The decision service (``closure-policy serve``): an ASGI app over the Python API.

``routes.py`` the HTTP surface, declared once; ``app.py`` the endpoints;
``holder.py`` the policy, swapped whole on reload; ``connections.py`` the
bounds on each connection; ``problems.py`` errors as RFC 9457 problem details;
``openapi.py`` the OpenAPI document built from the route table and the
policy's schemas; ``metrics.py`` Prometheus metrics. Every decision is recorded
before it is answered, in the decision log (``closure_policy.decisionlog``).
"""
