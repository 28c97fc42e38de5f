"""invoice_entry's survey searches a series of invoice numbers together, never a short part."""

from __future__ import annotations

from clerk_bots.invoice_entry.survey import searches


def test_numbers_differing_in_their_last_two_characters_share_one_search() -> None:
    numbers = [f"INV-2026-0{n:03d}" for n in range(250)]
    parts = searches(numbers)
    assert list(parts) == ["INV-2026-00", "INV-2026-01", "INV-2026-02"]
    assert sum(len(covered) for covered in parts.values()) == 250
    assert parts["INV-2026-02"] == [f"INV-2026-02{n:02d}" for n in range(50)]


def test_a_short_number_is_searched_for_whole() -> None:
    assert searches(["1001", "1002", "ACME-77"]) == {"1001": ["1001"], "1002": ["1002"], "ACME-77": ["ACME-77"]}
