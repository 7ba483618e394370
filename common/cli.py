"""Run a CLI main so that user errors print one line and exit non-zero, without a traceback."""
from __future__ import annotations

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
