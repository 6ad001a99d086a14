"""Load: rule files as plain data, with the line and column of every node."""
from __future__ import annotations

from .yaml_source import Marks, SourceFile, display_name, load_rule_dir, load_yaml_file

__all__ = ["Marks", "SourceFile", "display_name", "load_rule_dir", "load_yaml_file"]
