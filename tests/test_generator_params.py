"""GenParams: tuple strings, validation errors, and the paper's 256-setting grid."""
import pytest

from generator.generator_params import GRID_FIELDS, GenParams, all_grid_params, grid_params


def test_default_and_key_order():
    p = GenParams()
    assert p.get_keys() == ['backgr', 'blur', 'lighting_color', 'lighting_dir', 'lighting_intensity',
                            'materials', 'pose_cam', 'pose_rot', 'pose_scale']
    assert p.get_tuple_str() == '0_0_0_0_0_1_0_0_0'
    assert p.get_ranges()['materials'] == 4 and set(p.get_ranges().values()) == {2, 4}


@pytest.mark.parametrize('s', ['1_0_1_1_1_1_0_1_0', '0_0_0_0_0_0_0_0_0', '1_1_1_1_1_3_1_1_1'])
def test_round_trips(s):
    p = GenParams.from_tuple_str(s)
    assert p.get_tuple_str() == s
    assert GenParams.from_tuple(p.get_tuple()).get_tuple_str() == s


@pytest.mark.parametrize('bad, word', [('1_0_1', 'expected 9'), ('1_0_1_1_1_4_0_1_0', 'materials'),
                                       ('2_0_1_1_1_1_0_1_0', 'backgr'), ('a_0_1_1_1_1_0_1_0', 'tuple string'),
                                       ('1_0_1_1_1_1_0_1_0_1', 'expected 9')])
def test_bad_tuple_strings_name_the_problem(bad, word):
    with pytest.raises(ValueError, match=word):
        GenParams.from_tuple_str(bad)


def test_validate_names_field_and_allowed_values():
    p = GenParams({'blur': 3})
    with pytest.raises(ValueError, match=r'blur=3.*\[0, 1\]'):
        p.validate()
    with pytest.raises(ValueError, match='expected 9'):
        GenParams.from_tuple((1, 0))


def test_256_settings_unique_and_follow_bit_rule():
    grid = list(all_grid_params())
    assert len(grid) == 256 and len({p.get_tuple_str() for p in grid}) == 256
    for i, p in enumerate(grid):
        bits = [(i >> (7 - k)) & 1 for k in range(8)]
        for field, bit in zip(GRID_FIELDS, bits):
            assert p[field] == (2 * bit + 1 if field == 'materials' else bit)
        assert p.pose_cam == 0
    assert grid[0].get_tuple_str() == '0_0_0_0_0_1_0_0_0'
    assert grid[255].get_tuple_str() == '1_1_1_1_1_3_0_1_1'
    with pytest.raises(ValueError, match='0..255'):
        grid_params(256)
