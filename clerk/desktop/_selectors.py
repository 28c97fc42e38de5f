"""Desktop selectors: ``selectors/<app>.yaml`` maps logical names to what a desktop bot
may touch, validated when the file loads. The layout follows the web selector files
(a top-level ``selectors:`` mapping, one small mapping per name, ``note`` for people)::

    main:            {window_pattern: '^\\*?{book} - .+ - GnuCash$'}
    bill.new:        {window: New Bill}
    menu.new_bill:   {menu: [alt+b, v, [down, down, down, enter]], within: main}
    bill.new.id:     {field: [shift+tab], within: bill.new}
    bill.new.ok:     {image: ok-button.png, confidence: 0.9, within: bill.new}
    book.save:       {keys: [ctrl+s], within: main}
    login.secret:    {region: [10, 40, 200, 24], within: login, sensitive: true}

* ``window`` / ``window_pattern``: a top-level window by exact title or by regex;
  ``{param}`` placeholders are filled at lookup (regex-escaped in patterns).
* ``keys``: chords pressed in order with the pointer on the ``within`` window (keyboard
  focus follows the pointer when there is no window manager).
* ``menu``: one entry per menu level; after each level but the last the driver waits for
  that many menus to be open, so no key reaches a menu before it is there.
* ``field``: the chords that move the keyboard to a text field; ``autocomplete: true``
  drops an inline completion the application offered after the text (Desktop.fill);
  ``verbatim: true`` types the text in front of a placeholder space (removed
  after), where a field that completes and recases what is typed at its end leaves it be.
* ``image``: a template under ``selectors/<app>/images/``, searched inside ``within``,
  for controls without a keyboard path. With ``keys`` as well, the keys go first and the
  image is the fallback.
* ``region``: ``[x, y, width, height]`` relative to ``within``; with ``sensitive: true``
  it is blacked out in screenshots (a sensitive window is blacked out whole).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clerk._errors import ConfigError
from clerk._selectors import read_selector_file
from clerk.desktop._input import check_chord

_STRATEGIES = ("window", "window_pattern", "keys", "menu", "field", "image", "region")
_OPTIONS = ("within", "confidence", "autocomplete", "verbatim", "sensitive", "note")
_WINDOWS = ("window", "window_pattern")
_NEED_WITHIN = ("keys", "menu", "field", "image", "region")


@dataclass(frozen=True, slots=True)
class DesktopSpec:
    app: str
    name: str
    fields: Mapping[str, Any]

    @property
    def kind(self) -> str:
        return next(s for s in _STRATEGIES if s in self.fields)

    @property
    def is_window(self) -> bool:
        return self.kind in _WINDOWS

    @property
    def sensitive(self) -> bool:
        return bool(self.fields.get("sensitive", False))

    @property
    def within(self) -> str | None:
        return self.fields.get("within")

    @property
    def confidence(self) -> float:
        return float(self.fields.get("confidence", 0.9))

    def title_matcher(self, params: Mapping[str, Any]) -> re.Pattern[str]:
        """A regex that matches the titles of this window selector's windows."""
        if "window" in self.fields:
            return re.compile(re.escape(_fill(self, self.fields["window"], params, escape=False)) + r"\Z")
        return re.compile(_fill(self, self.fields["window_pattern"], params, escape=True))


class DesktopSelectorBook:
    """The desktop selectors of one application, by logical name."""

    def __init__(self, app: str, specs: Mapping[str, DesktopSpec], path: Path) -> None:
        self.app = app
        self.path = path
        self.images_dir = path.parent / app / "images"
        self._specs = dict(specs)

    @classmethod
    def load(cls, selectors_dir: Path, app: str) -> DesktopSelectorBook:
        """Load and validate ``<selectors_dir>/<app>.yaml``.

        Raises:
            ConfigError: the file is missing, is not YAML, a spec is malformed, or an
                image template it names does not exist.
        """
        path, entries = read_selector_file(selectors_dir, app)
        book = cls(app, {name: _validate(app, path, name, spec) for name, spec in entries.items()}, path)
        book._check_references()
        return book

    def _check_references(self) -> None:
        for spec in self._specs.values():
            where = f"{self.path}: {spec.name}"
            if spec.within is not None and (spec.within not in self._specs
                                            or not self._specs[spec.within].is_window):
                raise ConfigError(f"{where}: 'within' must name a window selector, not {spec.within!r}")
            if "image" in spec.fields and not (self.images_dir / spec.fields["image"]).is_file():
                raise ConfigError(f"{where}: image template {self.images_dir / spec.fields['image']} not found")

    def names(self) -> list[str]:
        return sorted(self._specs)

    def spec(self, name: str) -> DesktopSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise ConfigError(f"{self.app}: no selector named {name!r} in {self.path}") from None

    def image_path(self, name: str) -> Path:
        return self.images_dir / str(self.spec(name).fields["image"])

    def sensitive_names(self) -> list[str]:
        return [n for n, s in self._specs.items() if s.sensitive]


def _validate(app: str, path: Path, name: Any, spec: Any) -> DesktopSpec:
    where = f"{path}: {name}"
    if not isinstance(name, str) or not isinstance(spec, dict):
        raise ConfigError(f"{where}: each selector must be a name with a mapping of fields")
    unknown = set(spec) - set(_STRATEGIES) - set(_OPTIONS)
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    strategies = [s for s in _STRATEGIES if s in spec]
    if len(strategies) != 1 and set(strategies) != {"keys", "image"}:
        raise ConfigError(f"{where}: needs exactly one of {', '.join(_STRATEGIES)} (or keys with an image fallback)")
    if any(s in spec for s in _NEED_WITHIN) and "within" not in spec:
        raise ConfigError(f"{where}: needs 'within', the window that gets the keyboard or holds the image")
    for key in ("keys", "field"):
        if key in spec:
            _check_chords(where, spec[key])
    if "menu" in spec:
        levels = spec["menu"]
        if not isinstance(levels, list) or not levels:
            raise ConfigError(f"{where}: 'menu' is a list of levels, e.g. [alt+b, v, [b, enter]]")
        for level in levels:
            _check_chords(where, level if isinstance(level, list) else [level])
    if "region" in spec and (not isinstance(spec["region"], list) or len(spec["region"]) != 4
                             or not all(isinstance(v, int) and v >= 0 for v in spec["region"])):
        raise ConfigError(f"{where}: 'region' is [x, y, width, height] in pixels")
    confidence = spec.get("confidence", 0.9)
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence <= 1:
        raise ConfigError(f"{where}: 'confidence' is a number between 0 and 1")
    if "window_pattern" in spec:
        try:
            re.compile(spec["window_pattern"].replace("{", "").replace("}", ""))
        except re.error as err:
            raise ConfigError(f"{where}: window_pattern is not a regex ({err})") from err
    return DesktopSpec(app=app, name=name, fields=dict(spec))


def _check_chords(where: str, chords: Any) -> None:
    if not isinstance(chords, list):
        raise ConfigError(f"{where}: expected a list of key chords")
    for chord in chords:
        problem = check_chord(chord)
        if problem:
            raise ConfigError(f"{where}: {problem}")


def _fill(spec: DesktopSpec, value: str, params: Mapping[str, Any], *, escape: bool) -> str:
    needed = {f for _, f, _, _ in string.Formatter().parse(value) if f}
    if not needed:
        return value
    values = {k: re.escape(str(v)) if escape else str(v) for k, v in params.items()}
    try:
        return value.format_map(values)
    except KeyError as err:
        raise ConfigError(f"{spec.app}: selector {spec.name!r} needs a value for {{{err.args[0]}}}") from None
