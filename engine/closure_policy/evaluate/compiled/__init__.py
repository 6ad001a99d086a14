"""The compiled backend: each query's intermediate form generated as one Python function
(``codegen.py``, calling only ``runtime.py``), made once at load (``backend.py``).
"""
