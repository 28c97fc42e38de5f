"""WebPage: the page of one application, driven by logical selector names.

Screens call ``web.click("ap.add.post")`` and never see a raw selector. Playwright's
errors are translated here, so a timeout says which application and which logical name
it waited for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from clerk._errors import ApplicationError, ScreenNotReached, SelectorFailed
from clerk._secrets import REDACTOR
from clerk._selectors import SelectorBook, SelectorDrift, any_of
from clerk.web._memory import Released, release_memory

_STALE_MARK = "data-clerk-stale"
_MARK_CHILDREN = (
    "(el, mark) => { for (const child of el.children) child.setAttribute(mark, '1'); }"
)
JPEG_QUALITY = 80  # text stays readable; a LedgerSMB form is about 80 KB either way
_ALWAYS_MASKED = "input[type=password]"
_IS_PASSWORD = "el => el.type === 'password'"
_READ_TABLE = """table => {
  const headers = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
  return [...table.querySelectorAll('tbody tr')].map(tr => {
    const row = {};
    [...tr.querySelectorAll('td')].forEach((td, i) => {
      const link = td.querySelector('a[href]');
      row[headers[i] ?? String(i)] = {text: td.innerText.trim(), href: link ? link.href : null};
    });
    return row;
  });
}"""


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    href: str | None


DriftListener = Callable[[SelectorDrift], None]


def log_drift(drift: SelectorDrift) -> None:
    logger.bind(event="selector_drift", app=drift.app, selector=drift.name, drifted=drift.drifted,
                matched=drift.matched).warning(drift.message)


class WebPage:
    def __init__(self, page: Page, selectors: SelectorBook, timeout_ms: float,
                 on_drift: DriftListener = log_drift) -> None:
        self.page = page
        self.selectors = selectors
        self.app = selectors.app
        self.timeout_ms = timeout_ms
        # Set by whoever traces this page: a context in which nothing is traced (clerk.audit._trace).
        self.untraced: Callable[[], AbstractContextManager[None]] | None = None
        self.on_drift = on_drift
        self._drifted: set[tuple[str, int]] = set()

    # ------------------------------------------------------------------ lookup
    def find(self, name: str, **params: Any) -> Locator:
        """The locator of ``name``. A name with fallbacks waits until one of its specs matches,
        then gives the first in file order that does (a fallback: reported as drift)."""
        return self._pick(name, params, wait=True)

    def _find_now(self, name: str, **params: Any) -> Locator:
        """As ``find``, without waiting: for reads that must not wait (count, is_visible...)."""
        return self._pick(name, params, wait=False)

    def _pick(self, name: str, params: dict[str, Any], *, wait: bool) -> Locator:
        locators = self.selectors.locators(self.page, name, **params)
        if len(locators) == 1:
            return locators[0]
        if wait:
            with self._translated(name):
                any_of(locators).first.wait_for(state="attached", timeout=self.timeout_ms)
        for position, locator in enumerate(locators):
            if locator.count():
                if position:
                    self._drift(name, position)
                return locator
        return locators[0]

    def _drift(self, name: str, position: int) -> None:
        if (name, position) in self._drifted:
            return
        self._drifted.add((name, position))
        specs = self.selectors.alternatives(name)
        self.on_drift(SelectorDrift(app=self.app, name=name, drifted=specs[0].describe(),
                                    matched=specs[position].describe(), position=position,
                                    file=str(self.selectors.path)))

    def _everything(self, name: str, **params: Any) -> Locator:
        """Whatever any spec of ``name`` matches (a name with fallbacks: all of them)."""
        return any_of(self.selectors.locators(self.page, name, **params))

    @contextmanager
    def _translated(self, name: str) -> Iterator[None]:
        try:
            yield
        except PlaywrightTimeoutError as err:
            raise SelectorFailed(
                f"{self.app}: {name!r} was not ready within {self.timeout_ms / 1000:g}s on {self.page.url}"
            ) from err
        except PlaywrightError as err:
            if "strict mode violation" in err.message:
                count = re.search(r"resolved to (\d+) elements", err.message)
                raise SelectorFailed(
                    f"{self.app}: {name!r} matched {count.group(1) if count else 'several'} elements, expected one"
                ) from err
            raise ApplicationError(f"{self.app}: {name!r}: {err.message.splitlines()[0]}") from err

    # ------------------------------------------------------------------ actions
    def goto(self, url: str) -> None:
        try:
            response = self.page.goto(url)
        except PlaywrightError as err:
            raise ScreenNotReached(f"{self.app}: cannot open {url}: {err.message.splitlines()[0]}") from err
        if response is not None and response.status >= 500:
            raise ApplicationError(f"{self.app}: {url} answered HTTP {response.status}")

    def click(self, name: str, **params: Any) -> None:
        with self._translated(name):
            self.find(name, **params).click()

    def fill(self, name: str, value: str, **params: Any) -> None:
        with self._translated(name):
            locator = self.find(name, **params)
            with self._untraced_if_secret(name, locator, value):
                locator.fill(value)

    def press(self, name: str, key: str, **params: Any) -> None:
        with self._translated(name):
            self.find(name, **params).press(key)

    def check(self, name: str, **params: Any) -> None:
        with self._translated(name):
            self.find(name, **params).check()

    def _untraced_if_secret(self, name: str, locator: Locator, value: str | None = None, *,
                            input_field: bool = True) -> AbstractContextManager[None]:
        """Untraced when the field is marked sensitive, is a password input, or the value is a
        registered secret: a trace writes every call's arguments and result to disk as it happens."""
        if self.untraced is None:
            return nullcontext()
        marked = any(spec.sensitive for spec in self.selectors.alternatives(name))
        secret = (marked or (value is not None and value in REDACTOR.values)
                  or (input_field and locator.evaluate(_IS_PASSWORD) is True))
        return self.untraced() if secret else nullcontext()

    def hover(self, name: str, **params: Any) -> None:
        """Move the pointer over ``name`` (menus that open on hover)."""
        with self._translated(name):
            self.find(name, **params).hover()

    def download(self, name: str, target: Path, **params: Any) -> Path:
        """Click ``name``, wait for the download it starts and save it as ``target``.

        Example:
            web.download("search.spreadsheet", folder / "Results.tsv")

        Raises:
            SelectorFailed: ``name`` was not there, or no download started in time.
        """
        with self._translated(f"{name} (download)"):
            with self.page.expect_download(timeout=self.timeout_ms) as started:
                self.find(name, **params).click()
            target.parent.mkdir(parents=True, exist_ok=True)
            started.value.save_as(target)
        return target

    def release_memory(self) -> Released:
        """Have the renderer collect its garbage and empty its caches (:mod:`clerk.web._memory`)."""
        return release_memory(self.page, self.app)

    def close(self) -> None:
        """Close the page's browser context (its cookies and session go with it)."""
        self.page.context.close()

    # ------------------------------------------------------------------ reading
    @property
    def url(self) -> str:
        """The address the page shows now."""
        return self.page.url

    def evaluate(self, script: str, *, on: str | None = None, every: bool = False, **params: Any) -> Any:
        """Run a JavaScript function and return its (JSON-like) result: on the page, on the
        element ``on`` (strict: exactly one), or, with ``every``, on the list of all its matches.

        Example:
            ids = web.evaluate("els => els.map(e => e.dataset.id)", on="ticket.transactions", every=True)
        """
        label = on or "page script"
        with self._translated(label):
            if on is None:
                return self.page.evaluate(script)
            located = self.find(on, **params)
            return located.evaluate_all(script) if every else located.evaluate(script)

    def value(self, name: str, **params: Any) -> str:
        with self._translated(name):
            locator = self.find(name, **params)
            with self._untraced_if_secret(name, locator):
                return locator.input_value()

    def text(self, name: str, **params: Any) -> str:
        with self._translated(name):
            locator = self.find(name, **params)
            with self._untraced_if_secret(name, locator, input_field=False):
                return locator.inner_text().strip()

    def attribute(self, name: str, attribute: str, **params: Any) -> str | None:
        with self._translated(name):
            return self.find(name, **params).get_attribute(attribute)

    def texts(self, name: str, **params: Any) -> list[str]:
        """Texts of every match (lists are the one place several matches are expected)."""
        with self._translated(name):
            return [t.strip() for t in self._find_now(name, **params).all_inner_texts()]

    def table(self, name: str, **params: Any) -> list[dict[str, Cell]]:
        """Read an HTML table as rows keyed by the header texts a person sees."""
        with self._translated(name):
            raw = self.find(name, **params).evaluate(_READ_TABLE)
        return [{header: Cell(text=c["text"], href=c["href"]) for header, c in row.items()} for row in raw]

    def count(self, name: str, **params: Any) -> int:
        with self._translated(name):
            return self._find_now(name, **params).count()

    def is_visible(self, name: str, **params: Any) -> bool:
        with self._translated(name):
            return self._find_now(name, **params).is_visible()

    # ------------------------------------------------------------------ waiting
    def wait(self, name: str, *, state: str = "visible", **params: Any) -> None:
        with self._translated(name):
            found = self.find(name, **params) if state in ("visible", "attached") else self._find_now(name, **params)
            found.wait_for(state=state)  # type: ignore[arg-type]

    def wait_any(self, *names: str) -> str:
        """Wait until one of several screens shows; return the first name, in the order given,
        with a visible match. Hidden matches (a template, a closed dialog) do not count, even
        when they come first in the page."""
        combined = any_of([self._everything(name) for name in names])
        with self._translated(" or ".join(names)):
            combined.filter(visible=True).first.wait_for()
        for name in names:
            if self._everything(name).filter(visible=True).count():
                self._find_now(name)  # notes the drift of a fallback
                return name
        raise ScreenNotReached(f"{self.app}: none of {', '.join(names)} stayed visible")

    @contextmanager
    def replacing(self, container: str) -> Iterator[None]:
        """For panes swapped in by XHR: wait until the old content of ``container`` is gone.

        Example:
            with web.replacing("main.pane"):
                web.click("ap.add.update")
        """
        with self._translated(container):
            self.find(container).evaluate(_MARK_CHILDREN, _STALE_MARK)
        yield
        with self._translated(f"{container} (replaced)"):
            self.find(container).locator(f"[{_STALE_MARK}]").first.wait_for(state="detached")

    # ------------------------------------------------------------------ evidence
    def screenshot(self, path: Path) -> None:
        """A full-page screenshot with password fields and sensitive selectors blacked out;
        PNG, or JPEG when ``path`` ends in .jpg (the masks are drawn before the picture is encoded)."""
        masks = [self.page.locator(_ALWAYS_MASKED)]
        masks += [self._everything(name) for name in self.selectors.sensitive_names()]
        path.parent.mkdir(parents=True, exist_ok=True)
        quality = JPEG_QUALITY if path.suffix in (".jpg", ".jpeg") else None
        self.page.screenshot(path=path, full_page=True, mask=masks, mask_color="#000000", animations="disabled",
                             quality=quality)
