"""The rows of a .csv or .tsv file: UTF-8 (with or without a byte-order mark) or UTF-16 with one.

Excel's "Unicode Text" and some exports write UTF-16; its byte-order mark says so, and the
file is read as such. Anything else that is not UTF-8 is refused with what it looks like.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

from clerk._errors import InputFileError
from clerk.inputs._sniff import CFB_MAGIC, ZIP_MAGIC, head, refuse_compound_file

RawRow = tuple[int, tuple[str, ...]]

_SAVE_AS = "save it as \"CSV UTF-8\" (Excel) or with the character set UTF-8 (LibreOffice)"


def delimited_rows(path: Path, delimiter: str) -> Iterator[RawRow]:
    """(row number, cells) from the first non-blank row on.

    Raises:
        InputFileError: the file is a workbook or binary, or text in an encoding other than
            UTF-8 or UTF-16 with a byte-order mark.
    """
    text = _decode(path)
    if "\x00" in text:
        raise InputFileError(f"{path}: not a text file (it contains NUL bytes)")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    started = False
    for number, cells in enumerate(reader, start=1):
        if not started and all(not c.strip() for c in cells):
            continue
        started = True
        yield number, tuple(cells)


def _decode(path: Path) -> str:
    start = head(path, 4)
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = path.read_bytes()
        try:
            return data.decode("utf-16")  # the byte-order mark picks the byte order and is dropped
        except UnicodeDecodeError as err:
            raise InputFileError(f"{path}: starts as UTF-16 text but is broken at byte {err.start} "
                                 f"({err.reason}); {_SAVE_AS}") from err
    if start == CFB_MAGIC[:4]:
        refuse_compound_file(path)
    if start == ZIP_MAGIC:
        raise InputFileError(f"{path}: is an Excel workbook (.xlsx), not {path.suffix} text; "
                             "rename it to .xlsx, or save it from Excel as CSV")
    data = path.read_bytes()
    if _looks_like_utf16_without_mark(data):
        raise InputFileError(f"{path}: is UTF-16 text without a byte-order mark, which cannot be read safely; "
                             f"{_SAVE_AS}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise InputFileError(f"{path}: not a UTF-8 text file ({err.reason} at byte {err.start}, line {line}); "
                             f"{_SAVE_AS}") from err


def _looks_like_utf16_without_mark(data: bytes) -> bool:
    sample = data[:4096]
    if len(sample) < 8:
        return False
    odd, even = sample[1::2], sample[0::2]
    return odd.count(0) > len(odd) * 0.8 or even.count(0) > len(even) * 0.8
