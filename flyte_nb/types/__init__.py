"""Values that cross a task boundary: checking them against annotations, and storing them.

See ``_check.py`` for why checks are strict and why scalars skip pydantic, and
``_values.py`` for the stored form.
"""

from ..models._interface import type_name
from ._check import check_input, check_output, checker_for
from ._values import (
    decode_value,
    decode_values,
    digest,
    dumps_json,
    encode_value,
    encode_values,
)

__all__ = [
    "check_input",
    "check_output",
    "checker_for",
    "decode_value",
    "decode_values",
    "digest",
    "dumps_json",
    "encode_value",
    "encode_values",
    "type_name",
]
