"""The selector repository: ``selectors/<app>.yaml`` maps logical names to locator specs.

A spec is a small mapping, validated when the file loads::

    ap.add.vendor:       {css: "input[name=vendor]"}
    menu.ap:             {role: treeitem, name: AP, exact: true}
    ap.add.account:      {role: option, name_pattern: "^{account}--", within: ap.add.account_menu}
    rt.editor.body:      {css: body, frame: iframe.cke_wysiwyg_frame}
    login.password:      {css: "input[name=password]", sensitive: true}
    form.submit:                                  # fallbacks, tried in order when the first finds nothing
      - {role: button, name: Submit, exact: true}
      - {css: "button[type=submit]"}

``{param}`` placeholders are filled at lookup; in ``name_pattern`` they are regex-escaped.
When a fallback is used, the selector has drifted: clerk.web reports a SelectorDrift so someone
fixes the file, and the run goes on.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from playwright.sync_api import FrameLocator, Locator, Page

from clerk._errors import ConfigError

_STRATEGIES = ("css", "xpath", "role", "text", "label")
_OPTIONS = ("name", "name_pattern", "exact", "within", "frame", "sensitive", "has_text", "note")
_TEMPLATED = ("css", "xpath", "text", "label", "name", "name_pattern", "has_text")


@dataclass(frozen=True, slots=True)
class SelectorSpec:
    app: str
    name: str
    fields: Mapping[str, Any]

    @property
    def sensitive(self) -> bool:
        return bool(self.fields.get("sensitive", False))

    @property
    def placeholders(self) -> frozenset[str]:
        found = set()
        for key in _TEMPLATED:
            if isinstance(self.fields.get(key), str):
                found |= {f for _, f, _, _ in string.Formatter().parse(self.fields[key]) if f}
        return frozenset(found)

    def describe(self) -> str:
        """The spec as one line for people: ``css "#save"``, ``role button name "Save"``."""
        return " ".join(f'{key} "{value}"' if isinstance(value, str) else f"{key} {value}"
                        for key, value in self.fields.items() if key != "note")


@dataclass(frozen=True, slots=True)
class SelectorDrift:
    """A logical name whose first spec found nothing while fallback number ``position`` matched."""

    app: str
    name: str
    drifted: str  # the first spec, described
    matched: str  # the fallback that was used, described
    position: int  # 1 for the first fallback
    file: str = ""  # the selector file to fix

    @property
    def message(self) -> str:
        return (f"{self.app}: selector {self.name!r} drifted: {self.drifted} found nothing, "
                f"fallback {self.position} ({self.matched}) was used; update {self.file or f'selectors/{self.app}.yaml'}")


class SelectorBook:
    """The selectors of one application, resolved to Playwright locators by logical name."""

    def __init__(self, app: str, specs: Mapping[str, SelectorSpec | Sequence[SelectorSpec]], path: Path) -> None:
        self.app = app
        self.path = path
        self._alternatives = {name: (spec,) if isinstance(spec, SelectorSpec) else tuple(spec)
                              for name, spec in specs.items()}
        self._specs = {name: alternatives[0] for name, alternatives in self._alternatives.items()}

    @classmethod
    def load(cls, selectors_dir: Path, app: str) -> SelectorBook:
        """Load and validate ``<selectors_dir>/<app>.yaml``.

        Raises:
            ConfigError: the file is missing, is not YAML, or a spec is malformed.
        """
        path, entries = read_selector_file(selectors_dir, app)
        specs = {name: _validate_entry(app, path, name, entry) for name, entry in entries.items()}
        for alternatives in specs.values():
            for spec in alternatives:
                parent = spec.fields.get("within")
                if parent is not None and parent not in specs:
                    raise ConfigError(f"{path}: {spec.name}: 'within' names unknown selector {parent!r}")
        return cls(app, specs, path)

    def names(self) -> list[str]:
        return sorted(self._specs)

    def spec(self, name: str) -> SelectorSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise ConfigError(f"{self.app}: no selector named {name!r} in {self.path}") from None

    def alternatives(self, name: str) -> tuple[SelectorSpec, ...]:
        """The spec of ``name`` followed by its fallbacks, in the order they are tried."""
        self.spec(name)
        return self._alternatives[name]

    def sensitive_names(self) -> list[str]:
        return [n for n, specs in self._alternatives.items()
                if any(s.sensitive for s in specs) and not any(s.placeholders for s in specs)]

    def locator(self, page: Page, name: str, **params: Any) -> Locator:
        """The strict Playwright locator for ``name`` (its first spec; see ``locators``).

        Raises:
            ConfigError: ``name`` is unknown or a placeholder has no value.
        """
        return self.locators(page, name, **params)[0]

    def locators(self, page: Page, name: str, **params: Any) -> list[Locator]:
        """One locator per spec of ``name``: the first, then its fallbacks in order.

        Raises:
            ConfigError: ``name`` is unknown or a placeholder has no value.
        """
        return [self._resolve(page, spec, params) for spec in self.alternatives(name)]

    def _resolve(self, page: Page, spec: SelectorSpec, params: Mapping[str, Any]) -> Locator:
        fields = {k: _fill(self.app, spec.name, k, v, params) for k, v in spec.fields.items()}
        scope: Page | Locator | FrameLocator = page
        if "within" in fields:
            scope = any_of(self.locators(page, fields["within"], **params))
        if "frame" in fields:
            scope = scope.frame_locator(fields["frame"])
        return _strategy(scope, fields)


def read_selector_file(selectors_dir: Path, app: str) -> tuple[Path, dict[Any, Any]]:
    """The raw ``selectors:`` mapping of ``<selectors_dir>/<app>.yaml`` (web or desktop).

    Raises:
        ConfigError: the file is missing, is not YAML, or has no ``selectors:`` mapping.
    """
    path = selectors_dir / f"{app}.yaml"
    if not path.is_file():
        raise ConfigError(f"{app}: selector file {path} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from err
    entries = data.get("selectors") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise ConfigError(f"{path}: expected a top-level 'selectors:' mapping")
    return path, entries


def _validate_entry(app: str, path: Path, name: Any, entry: Any) -> tuple[SelectorSpec, ...]:
    if isinstance(entry, list) and entry and isinstance(name, str):
        return tuple(_validate(app, path, name, spec, position) for position, spec in enumerate(entry))
    return (_validate(app, path, name, entry),)


def _validate(app: str, path: Path, name: Any, spec: Any, position: int = 0) -> SelectorSpec:
    where = f"{path}: {name}" + (f" (fallback {position})" if position else "")
    if not isinstance(name, str) or not isinstance(spec, dict):
        raise ConfigError(f"{where}: each selector must be a name with a mapping of fields, "
                          "or a list of such mappings (the first, then its fallbacks in order)")
    unknown = set(spec) - set(_STRATEGIES) - set(_OPTIONS)
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    strategies = [s for s in _STRATEGIES if s in spec]
    if len(strategies) != 1:
        raise ConfigError(f"{where}: needs exactly one of {', '.join(_STRATEGIES)}")
    named = "name" in spec or "name_pattern" in spec or "exact" in spec
    if named and not {"role", "text", "label"} & spec.keys():
        raise ConfigError(f"{where}: name/name_pattern/exact only go with role, text or label")
    if "name" in spec and "name_pattern" in spec:
        raise ConfigError(f"{where}: give either name or name_pattern, not both")
    return SelectorSpec(app=app, name=name, fields=dict(spec))


def _fill(app: str, name: str, key: str, value: Any, params: Mapping[str, Any]) -> Any:
    if key not in _TEMPLATED or not isinstance(value, str) or "{" not in value:
        return value
    values = {k: re.escape(str(v)) for k, v in params.items()} if key == "name_pattern" else params
    try:
        return value.format_map(values)
    except KeyError as err:
        raise ConfigError(f"{app}: selector {name!r} needs a value for {{{err.args[0]}}}") from None


def any_of(locators: list[Locator]) -> Locator:
    """One locator for whatever any of ``locators`` matches."""
    combined = locators[0]
    for other in locators[1:]:
        combined = combined.or_(other)
    return combined


def _strategy(scope: Page | Locator | FrameLocator, fields: Mapping[str, Any]) -> Locator:
    exact = fields.get("exact")
    if "role" in fields:
        name = re.compile(fields["name_pattern"]) if "name_pattern" in fields else fields.get("name")
        locator = scope.get_by_role(fields["role"], name=name, exact=exact)
    elif "text" in fields:
        locator = scope.get_by_text(fields["text"], exact=exact)
    elif "label" in fields:
        locator = scope.get_by_label(fields["label"], exact=exact)
    elif "xpath" in fields:
        locator = scope.locator(f"xpath={fields['xpath']}")
    else:
        locator = scope.locator(fields["css"])
    if "has_text" in fields:
        locator = locator.filter(has_text=fields["has_text"])
    return locator
