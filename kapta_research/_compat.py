"""Deprecated argument names, kept for one release with a DeprecationWarning."""
from __future__ import annotations

import warnings

from .errors import ParameterError

__all__ = ["renamed"]

_UNSET = object()


def renamed(func: str, old: str, new: str, old_value, new_value, *, default):
    """Return the value to use for ``new`` when a caller may still pass ``old``.

    Passing ``old`` warns (DeprecationWarning, removed in the next release);
    passing both is an error.
    """
    if old_value is _UNSET:
        return new_value
    warnings.warn(f"The '{old}' parameter of {func} is deprecated and will be removed in the next "
                  f"release; use '{new}' instead.", DeprecationWarning, stacklevel=3)
    if new_value is not default and new_value != default:
        raise ParameterError(f"The '{old}' parameter of {func} is the old name of '{new}'; pass only "
                             f"'{new}'. Got {old}={old_value!r} and {new}={new_value!r} instead.")
    return old_value


UNSET = _UNSET
