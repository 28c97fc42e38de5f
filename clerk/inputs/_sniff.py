"""What an input file really is, from its first bytes, whatever its name says.

An analyst who is told "not a zip file" about a workbook Excel opens fine is sent the wrong
way. These checks name the real kind (a folder, a password-protected workbook, an old .xls
renamed) and what to do about it.
"""

from __future__ import annotations

from pathlib import Path

from clerk._errors import InputFileError

CFB_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # OLE2 compound file: .xls, or an encrypted .xlsx
ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")  # the stream an encrypted OOXML package holds
_SCAN_CHUNK = 1 << 20


def check_is_file(path: Path) -> None:
    """Raises InputFileError unless ``path`` is a regular file, saying what it is instead."""
    if path.is_dir():
        spreadsheets = sorted(p.name for p in path.iterdir() if p.suffix.lower() in {".xlsx", ".xlsm", ".csv", ".tsv"})
        inside = f" (spreadsheets in it: {', '.join(spreadsheets[:5])}{', ...' if len(spreadsheets) > 5 else ''})"
        raise InputFileError(f"{path}: is a folder, not a file; give the path of one workbook or CSV file"
                             f"{inside if spreadsheets else ''}")
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if not path.is_file():
        raise InputFileError(f"{path}: is not a regular file (a device or a pipe); give the path of a workbook")


def head(path: Path, size: int = 8) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def refuse_compound_file(path: Path) -> None:
    """An OLE2 compound file is either a password-protected workbook or an old .xls; say which."""
    if _holds(path, _ENCRYPTION_STREAM):
        raise InputFileError(
            f"{path}: is a password-protected (encrypted) Excel workbook, which clerk cannot read; "
            "open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password) "
            "and save it again as .xlsx")
    raise InputFileError(f"{path}: is an old Excel 97-2003 workbook (.xls format), whatever its name says; "
                         "open it in Excel or LibreOffice and save it as .xlsx")


def _holds(path: Path, needle: bytes) -> bool:
    with path.open("rb") as handle:
        tail = b""
        while chunk := handle.read(_SCAN_CHUNK):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle):]
    return False
