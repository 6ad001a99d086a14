"""The ``closure-policy`` command: a thin shell over the Python API."""
