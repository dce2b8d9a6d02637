"""The `python -m metrics` entry point: usage errors are Chinese and exit 2, never a traceback."""

import subprocess
import sys


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
