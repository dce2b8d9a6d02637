"""Per-installation secrets in the data folder: generated once with file mode 600, refused when weak.

The app's secret key signs sessions; the party-key secret is the HMAC key that hashes the parties of a
dispute (workbook.md ``party_key``), so that the same person gives the same hash in every upload but
the text as written is never stored.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from services.settings import SettingsError

MIN_BYTES = 32


def load_or_create(path: Path) -> bytes:
    """The secret in ``path``; created (random, 32 bytes, hex, mode 600) when the file is missing.

    Refuses (``SettingsError``) a secret shorter than 32 bytes or a file others can read.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # written whole under a temporary name, then linked into place: a second opener in the same
        # instant (the pages and the web routes of one process) finds either no file or the full secret
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(MIN_BYTES))
        try:
            os.link(tmp, path)
        except FileExistsError:  # the other opener was first: use its secret
            pass
        finally:
            os.unlink(tmp)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SettingsError(f"密钥文件 {path} 的权限为 {oct(mode)}，其他用户可读；请执行 chmod 600 {path} 后再启动。")
    value = path.read_bytes().strip()
    if len(value) < MIN_BYTES or len(set(value)) < 8:
        raise SettingsError(f"密钥文件 {path} 中的密钥过短或过于简单（至少 {MIN_BYTES} 字节随机内容），请删除该文件后重新启动以自动生成。")
    return value
