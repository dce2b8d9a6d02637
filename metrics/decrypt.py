"""Files encrypted with Excel's built-in default password, which Excel and WPS open without asking.

Excel encrypts a workbook with the password ``VelvetSweatshop`` when only *structure* or *sheet*
protection is set ("protect workbook", "read-only recommended" …): the file is encrypted on disk, yet
nobody ever typed a password and Excel opens it silently. Telling the user "remove the password" would
send them looking for a password they never set. :func:`decrypt_default` tries that one password with
msoffcrypto-tool (OOXML agile/standard encryption, BIFF8 RC4 and RC4 CryptoAPI) and returns the plain
file, or None when it is not that password (a real password: the caller refuses the file as encrypted).

Bounded: the key derivation's spin count is read from the file and refused above Excel's own
(100,000 rounds; a crafted file could ask for billions), the EncryptionInfo XML must carry no DTD, and
the decrypted package's declared size must lie within the upload limit before anything is decrypted;
the caller checks the decrypted bytes against every limit again, as for any upload.
"""

from __future__ import annotations

import io
import struct

from metrics.filesafety import OleError, ole_read_stream

DEFAULT_PASSWORD = "VelvetSweatshop"
MAX_SPIN_COUNT = 100_000
"""Rounds of key derivation allowed (Excel writes 100,000)."""


def _package_fits(data: bytes, max_bytes: int) -> bool:
    """False when an OOXML EncryptedPackage declares a plain size beyond ``max_bytes`` or its
    EncryptionInfo carries a DTD; True for BIFF files (their size is the file's)."""
    try:
        info = ole_read_stream(data, "EncryptionInfo")
        package = ole_read_stream(data, "EncryptedPackage")
    except (OleError, struct.error):
        return False
    if info is None and package is None:
        return True
    if info is None or package is None or len(package) < 8:
        return False
    if b"<!DOCTYPE" in info or b"<!ENTITY" in info:
        return False
    return struct.unpack_from("<Q", package)[0] <= max_bytes


def decrypt_default(data: bytes, max_bytes: int) -> bytes | None:
    """The file ``data`` decrypted with Excel's default password, or None when that is not its password
    (or it cannot be decrypted within the bounds above)."""
    if not _package_fits(data, max_bytes):
        return None
    try:
        import msoffcrypto

        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        if getattr(office, "type", None) == "agile" and int(office.info.get("spinValue", 0)) > MAX_SPIN_COUNT:
            return None
        office.load_key(password=DEFAULT_PASSWORD)
        out = io.BytesIO()
        office.decrypt(out)
    except Exception:  # noqa: BLE001 — wrong password, unsupported scheme or a malformed file alike
        return None
    except BaseException as exc:  # cryptography is a Rust extension too: its panics are BaseExceptions
        from metrics.rawbook import is_rust_panic

        if not is_rust_panic(exc):
            raise
        return None
    plain = out.getvalue()
    return plain or None
