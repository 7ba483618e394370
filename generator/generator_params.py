"""Simulation parameters of one synthetic dataset (the 9 Task2Sim knobs) and the paper's 256-setting grid."""
from __future__ import annotations

from typing import Iterator, Sequence

from yacs.config import CfgNode

# Number of levels of each field; the field order everywhere is the sorted key order.
FIELD_RANGES = {
    'backgr': 2,
    'blur': 2,
    'lighting_color': 2,
    'lighting_dir': 2,
    'lighting_intensity': 2,
    'materials': 4,
    'pose_cam': 2,
    'pose_rot': 2,
    'pose_scale': 2,
}
DEFAULTS = {k: 0 for k in FIELD_RANGES}
DEFAULTS['materials'] = 1

# The 8 fields the paper's grid (and the controller) varies, in bit order (MSB first).
GRID_FIELDS = ('pose_rot', 'pose_scale', 'lighting_intensity', 'lighting_color',
               'lighting_dir', 'blur', 'backgr', 'materials')


class GenParams(CfgNode):
    """A yacs node holding the 9 generation fields; ``get_tuple_str()`` names datasets and reward keys."""

    def __init__(self, init_dict: dict | None = None, key_list=None, new_allowed: bool = False):
        values = dict(DEFAULTS)
        if init_dict:
            values.update(init_dict)
        super().__init__(values, key_list=key_list, new_allowed=new_allowed)

    @staticmethod
    def get_keys() -> list[str]:
        return sorted(FIELD_RANGES)

    @staticmethod
    def get_ranges() -> dict[str, int]:
        return {k: FIELD_RANGES[k] for k in sorted(FIELD_RANGES)}

    def get_tuple(self) -> tuple[int, ...]:
        return tuple(int(self[k]) for k in self.get_keys())

    def get_tuple_str(self) -> str:
        return '_'.join(str(v) for v in self.get_tuple())

    def validate(self) -> 'GenParams':
        """Raise ValueError naming the field when a value is outside its allowed range."""
        extra = set(self.keys()) - set(FIELD_RANGES)
        if extra:
            raise ValueError(f'unknown GenParams field(s) {sorted(extra)}; allowed: {self.get_keys()}')
        for k, n in FIELD_RANGES.items():
            v = self[k]
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < n:
                raise ValueError(f'GenParams field {k}={v!r} is invalid; allowed values: '
                                 f'{list(range(n))}')
        return self

    @classmethod
    def from_tuple(cls, values: Sequence[int]) -> 'GenParams':
        keys = cls.get_keys()
        if len(values) != len(keys):
            raise ValueError(f'GenParams tuple {tuple(values)} has {len(values)} values; '
                             f'expected {len(keys)} in the order {keys}')
        return cls(dict(zip(keys, (int(v) for v in values)))).validate()

    @classmethod
    def from_tuple_str(cls, tuple_str: str) -> 'GenParams':
        parts = str(tuple_str).split('_')
        if len(parts) != len(FIELD_RANGES) or not all(p.isdigit() for p in parts):
            raise ValueError(f'tuple string {tuple_str!r} is invalid; expected {len(FIELD_RANGES)} '
                             f'integers joined by "_" in the order {cls.get_keys()}, '
                             f'e.g. "0_0_0_0_0_1_0_0_0"')
        return cls.from_tuple([int(p) for p in parts])


# The paper's 256-setting grid: 8 bits, MSB first over GRID_FIELDS; a field's bit is its value, except
# materials, whose bit 0/1 means materials 1/3 (the one home of this encoding).

def grid_bit(field: str, value: int) -> int:
    """The grid bit of a field's value (materials 1 -> 0, 3 -> 1; other fields: the value itself)."""
    return (int(value) - 1) // 2 if field == 'materials' else int(value)


def grid_value(field: str, bit: int) -> int:
    """The field value of a grid bit (materials 0 -> 1, 1 -> 3)."""
    return 2 * int(bit) + 1 if field == 'materials' else int(bit)


def bits_to_grid_index(bits: Sequence[int]) -> int:
    """Grid index of 8 bits in GRID_FIELDS order (MSB first)."""
    return sum(int(b) << (7 - i) for i, b in enumerate(bits))


def grid_bits(params: GenParams) -> list[int]:
    """The 8 grid bits of a setting, in GRID_FIELDS order."""
    return [grid_bit(f, params[f]) for f in GRID_FIELDS]


def grid_index(params: GenParams) -> int:
    """Inverse of ``grid_params``: the paper's index (0..255) of a grid setting."""
    if params['pose_cam'] != 0 or params['materials'] not in (1, 3):
        raise ValueError(f'setting {params.get_tuple_str()} is not one of the 256 grid settings '
                         f'(pose_cam must be 0 and materials 1 or 3)')
    return bits_to_grid_index(grid_bits(params))


def is_grid_setting(params: GenParams) -> bool:
    return params['pose_cam'] == 0 and params['materials'] in (1, 3)


def grid_params(index: int) -> GenParams:
    """The paper's setting number ``index`` (0..255): 8 bits MSB first over GRID_FIELDS, materials = 2*bit+1."""
    if not 0 <= index < 256:
        raise ValueError(f'grid index {index} is out of range; allowed: 0..255')
    values = {f: grid_value(f, (index >> (7 - i)) & 1) for i, f in enumerate(GRID_FIELDS)}
    values['pose_cam'] = 0
    return GenParams(values).validate()


def all_grid_params() -> Iterator[GenParams]:
    """The 256 settings of the paper, in index order."""
    for i in range(256):
        yield grid_params(i)
