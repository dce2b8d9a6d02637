"""`python -m metrics template` — see shared/spec/cli.md. (Being built; owned by one helper.)"""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("template", help="template")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    raise NotImplementedError("template")
