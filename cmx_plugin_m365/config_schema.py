"""The per-instance options (``[plugin_config.m365]``) validated: one marshmallow schema, built from :class:`Options`.

The instance's configuration is written by hand (TOML, or whatever the host keeps); a limit typed as ``"30"`` or
``"viele"`` must not reach the arithmetic of pacing, where it would break every send with a TypeError. Each option is
checked against the type its default has; a value that does not fit is named in German (the option, what it must be —
never the value itself, which may be anything) and the default is used instead. The host asks at instance start (host
API 1.9, ``cmx_instance_started``), and :meth:`Options.of` applies the same schema at every use.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields

WHERE = "in der Konfiguration der Instanz ([plugin_config.m365])"

_KINDS: dict[type, tuple[type[fields.Field], str]] = {
    bool: (fields.Boolean, "true oder false"),
    int: (fields.Integer, "eine ganze Zahl"),
    float: (fields.Float, "eine Zahl"),
    str: (fields.String, "ein Text"),
}


def _field(default: Any, name: str) -> fields.Field | None:
    kind = bool if isinstance(default, bool) else type(default)  # bool first: it is an int too
    if kind not in _KINDS:
        return None
    field_class, what = _KINDS[kind]
    message = f"Die Einstellung {name} {WHERE} muss {what} sein; bis das korrigiert ist, gilt {_shown(default)}."
    options: dict[str, Any] = {"error_messages": {"invalid": message, "null": message}}
    if kind is int:
        options["strict"] = True  # 2.5 is no count of mails
    if kind is float:
        options["allow_nan"] = False
    if kind in (int, float):
        options["validate"] = lambda value, _m=message: value >= 0 or _raise(_m)
    return field_class(**options)


def _shown(default: Any) -> str:
    """A default as it is written in the configuration (TOML): true/false, numbers, texts in quotes."""
    if isinstance(default, bool):
        return str(default).lower()
    return f"„{default}“" if isinstance(default, str) else str(default)


def _raise(message: str) -> bool:
    raise ValidationError(message)


@functools.cache
def options_schema(options_class: type) -> Schema:
    """The schema of every option with a plain default (numbers, flags, texts); unknown keys are left to the caller."""
    declared = {}
    for item in dataclasses.fields(options_class):
        if not item.init or item.default is dataclasses.MISSING or "|" in str(item.type):
            continue  # several accepted forms (the cloud, a list or a text of domains): checked where it is read
        built = _field(item.default, item.name)
        if built is not None:
            declared[item.name] = built
    return Schema.from_dict(declared, name="OptionsSchema")(unknown=EXCLUDE)


def checked(options_class: type, raw: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The options that fit (as loaded: numbers as numbers), and a German sentence for each that does not.

    Remembered per set of values: :meth:`Options.of` runs several times for every mail, and a schema load costs ten
    times what the rest of it does (a changed configuration is a new key)."""
    fields_ = options_schema(options_class).fields
    # The type is part of the key: 1, 1.0 and True are equal keys, but only one of them is a count of mails.
    key = tuple((k, type(raw[k]), raw[k]) for k in fields_ if k in raw)
    try:
        return _checked_once(options_class, key)
    except TypeError:  # a value that cannot be a key (a list where a number belongs): check it without remembering
        return _check(options_class, {k: v for k, _, v in key})


@functools.lru_cache(maxsize=32)
def _checked_once(options_class: type, key: tuple) -> tuple[dict[str, Any], tuple[str, ...]]:
    return _check(options_class, {k: v for k, _, v in key})


def _check(options_class: type, plain: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    schema = options_schema(options_class)
    try:
        loaded = schema.load(plain)
        problems: list[str] = []
    except ValidationError as error:
        loaded = {k: v for k, v in (error.valid_data or {}).items()}
        problems = [" ".join(m) if isinstance(m, list) else str(m) for m in error.messages.values()]
    return loaded, tuple(problems)
