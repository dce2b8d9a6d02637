"""The `python -m metrics` entry point: usage errors are Chinese and exit 2, never a traceback."""

import subprocess
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]


def _run(*args):
    return subprocess.run([sys.executable, "-m", "metrics", *args], capture_output=True, text=True)


def test_missing_required_option_is_a_chinese_usage_error():
    r = _run("template")
    assert r.returncode == 2
    assert "缺少必需的参数：--out" in r.stderr
    assert "Traceback" not in r.stderr


def test_unknown_option_is_a_chinese_usage_error():
    r = _run("validate", "--bogus", "a.xlsx")
    assert r.returncode == 2
    assert "无法识别的参数：--bogus" in r.stderr


def test_unknown_command_names_the_choices():
    r = _run("frobnicate")
    assert r.returncode == 2
    assert "无效" in r.stderr and "validate" in r.stderr


def test_progress_is_reported_as_each_file_is_read(tmp_path):
    """read_files announces file i just before reading it, so a long batch shows where it is."""
    from metrics import reader

    first, second = sorted((_ROOT / "sample_data" / "bureau").glob("*派出所*.xlsx"))[:2]
    seen = []
    real = reader.read_upload

    def spy(data, name, **kw):
        seen.append(("read", name))
        return real(data, name, **kw)

    reader.read_upload, saved = spy, reader.read_upload
    try:
        reader.read_files([first, second], on_file=lambda i, n, name: seen.append(("start", i, n, name)))
    finally:
        reader.read_upload = saved
    assert seen == [("start", 1, 2, first.name), ("read", first.name), ("start", 2, 2, second.name),
                    ("read", second.name)]


def test_a_missing_second_file_is_a_usage_error_before_anything_is_read(tmp_path):
    first = sorted((_ROOT / "sample_data" / "bureau").glob("*.xlsx"))[0]
    r = _run("validate", str(first), str(tmp_path / "没有这个文件.xlsx"))
    assert r.returncode == 2
    assert "找不到文件" in r.stderr and "正在读取" not in r.stderr
