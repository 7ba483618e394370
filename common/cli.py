"""Run a CLI main so that user errors print one line and exit non-zero, without a traceback."""
from __future__ import annotations

import sys
from typing import Callable

from common.errors import UserError


def run_cli(main: Callable[[], object], exit_code: int = 2) -> None:
    """Call ``main()``; a UserError becomes ``error: <message>`` on stderr and ``exit(exit_code)``."""
    try:
        main()
    except UserError as e:
        print(f'error: {e}', file=sys.stderr)
        sys.exit(exit_code)
