"""The compiled backend: the intermediate form as Python closures (``closures.py``), run in rule order
(``backend.py``). Nothing is imported here: the compiler uses ``closures`` for the values every backend
computes in Python, and must not pull the backend (which needs the compiler) in with it."""
