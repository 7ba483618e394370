"""Run a CLI main so that user errors print one line and exit non-zero, without a traceback."""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from common.errors import UserError


def one_line(error: BaseException) -> str:
    """The error's message on one line (a DataLoader worker wraps it in a traceback: keep its last line)."""
    text = str(error).strip()
    if 'Traceback' in text:
        text = text.splitlines()[-1]
        name = type(error).__name__ + ': '
        text = text.split(name, 1)[-1] if name in text else text
    return ' '.join(text.split())


def run_cli(main: Callable[[], object], exit_code: int = 2) -> None:
    """Call ``main()``; a UserError becomes ``error: <message>`` on stderr and ``exit(exit_code)``."""
    try:
        main()
    except UserError as e:
        print(f'error: {one_line(e)}', file=sys.stderr)
        sys.exit(exit_code)


class ArgumentParser(argparse.ArgumentParser):
    """argparse whose errors are one line (a UserError naming the flag and what is allowed), no usage dump."""

    _argv: tuple[str, ...] = ()

    def parse_known_args(self, args=None, namespace=None):
        self._argv = tuple(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str):
        negative = [a for a in self._argv if len(a) > 1 and a[0] == '-' and a[1].isdigit()]
        if negative and 'expected' in message:   # argparse reads "-1_0_..." as an unknown option
            message += f'; {negative[0]!r} starts with "-" and was read as an option (values cannot be negative)'
        raise UserError(f'{message} (see --help)')
