"""YAML values to the annotated dataclass types, recording every problem with its key path
(and a suggestion for a misspelt key) instead of stopping at the first."""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from typing import Any

from bot.config.secrets import SecretRef


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is tuple:
        return f"a list of {_type_name(typing.get_args(tp)[0])}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp) if a is not type(None))
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return {str: "text", int: "a whole number", float: "a number", bool: "true or false"}.get(
        tp, str(tp)
    )


def _convert(value: Any, tp: Any, path: str, problems: list[str]) -> Any:
    """Convert one YAML value to the annotated type, or record why it cannot be."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _convert(value, args[0], path, problems)
    if tp is SecretRef:
        if not isinstance(value, Mapping):
            problems.append(
                f"{path}: expected a mapping with 'env' or 'file' (secrets are never inline)"
            )
            return SecretRef()
        return build(SecretRef, value, path, problems)
    if dataclasses.is_dataclass(tp):
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            problems.append(f"{path}: expected a mapping, got {type(value).__name__}")
            return tp()  # type: ignore[operator]
        return build(tp, value, path, problems)
    if origin is tuple:
        (item_type, _ellipsis) = typing.get_args(tp)
        if value is None:
            return ()
        if not isinstance(value, list):
            problems.append(f"{path}: expected {_type_name(tp)}")
            return ()
        return tuple(
            _convert(item, item_type, f"{path}[{index}]", problems)
            for index, item in enumerate(value)
        )
    if tp is bool:
        if not isinstance(value, bool):
            problems.append(f"{path}: expected true or false, got {value!r}")
        return bool(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"{path}: expected a whole number, got {value!r}")
            return 0
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{path}: expected a number, got {value!r}")
            return 0.0
        if not math.isfinite(value):  # .nan compares false with every bound
            problems.append(f"{path}: expected a finite number, got {value!r}")
            return 0.0
        return float(value)
    if tp is str:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            problems.append(f"{path}: expected text, got {value!r}")
            return ""
        return str(value)
    raise TypeError(f"unsupported config type {tp!r}")  # a programming error, not user input


def build(cls: Any, data: Mapping[Any, Any], path: str, problems: list[str]) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    prefix = f"{path}." if path else ""
    kwargs: dict[str, Any] = {}
    # In the file's order, so the problems read top to bottom like the file (and never in
    # the order of a set of names, which changes with the interpreter's hash seed).
    for key in data:
        if key in known:
            kwargs[key] = _convert(data[key], hints[key], f"{prefix}{key}", problems)
        else:
            suggestion = _closest(str(key), known)
            hint = f" (did you mean '{suggestion}'?)" if suggestion else ""
            problems.append(f"{prefix}{key}: unknown key{hint}")
    return cls(**kwargs)


def _closest(word: str, candidates: set[str]) -> str | None:
    from difflib import get_close_matches

    found = get_close_matches(word, sorted(candidates), n=1, cutoff=0.7)
    return found[0] if found else None
