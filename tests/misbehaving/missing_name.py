"""Defines no `add`."""
from correct import check_positive, echo  # noqa: F401
