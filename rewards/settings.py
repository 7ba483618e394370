"""Which settings a build runs, in which order: grid indices, ranges, tuple strings; the balanced order."""
from __future__ import annotations

from typing import Sequence

from common.errors import UserError
from generator.generator_params import GenParams, bits_to_grid_index, grid_params

ORDERS = ('balanced', 'grid')


def balanced_order() -> list[int]:
    """Grid indices in an order whose every prefix of 16, 32, 64, 128 settings is a regular fractional
    factorial of resolution IV (2^(8-4), 2^(8-3), ...): each field is on in half of the prefix and main
    effects are balanced against each other, so a partly built table is already an unbiased sample."""
    out = []
    for c in range(256):
        a = [(c >> j) & 1 for j in range(8)]          # a counter, low bits first
        f = a[:4] + [a[1] ^ a[2] ^ a[3] ^ a[4], a[0] ^ a[2] ^ a[3] ^ a[5],
                     a[0] ^ a[1] ^ a[2] ^ a[6], a[0] ^ a[1] ^ a[3] ^ a[7]]
        out.append(bits_to_grid_index(f))
    return out


def parse_settings(items: Sequence[str], order: str = 'balanced') -> list[str]:
    """``all``, grid indices (``5``), inclusive ranges (``0-15``) or tuple strings -> tuple strings, no repeats."""
    if order not in ORDERS:
        raise UserError(f'--order {order!r} is invalid; allowed: {", ".join(ORDERS)}')
    indices: list[int] = []
    extra: list[str] = []
    for item in items or ['all']:
        item = str(item).strip()
        if item == 'all':
            indices += range(256)
        elif item.isdigit() or (item.count('-') == 1 and all(p.isdigit() for p in item.split('-'))):
            lo, _, hi = item.partition('-')
            lo_i, hi_i = int(lo), int(hi or lo)
            if not 0 <= lo_i <= hi_i <= 255:
                raise UserError(f'setting range {item!r} is invalid; allowed: grid indices 0..255 (e.g. 0-15)')
            indices += range(lo_i, hi_i + 1)
        else:
            try:
                extra.append(GenParams.from_tuple_str(item).get_tuple_str())
            except ValueError as e:
                raise UserError(f'setting {item!r} is invalid: use "all", a grid index 0..255, a range '
                                f'like 0-15, or a tuple string; {e}') from None
    wanted = set(indices)
    ranked = balanced_order() if order == 'balanced' else list(range(256))
    out = [grid_params(i).get_tuple_str() for i in ranked if i in wanted]
    for ts in extra:
        if ts not in out:
            out.append(ts)
    return out
