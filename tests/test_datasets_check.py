"""The download checker: counts next to the spec's, mismatches flagged, one-line errors for missing data."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from datasets.check import main
from tests.datasets_fakes import make_fake

REPO = Path(__file__).resolve().parents[1]


def test_check_embedded_tasks_match(capsys):
    assert main(['Digits', 'LFWFaces']) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith('Digits: train 1252 (expected 1252); test 545 (expected 545); classes 10')
    assert out[0].endswith('OK') and out[1].startswith('LFWFaces:')


def test_check_flags_counts_that_differ_from_the_spec(tmp_path, capsys):
    make_fake('USPS', tmp_path)  # a miniature copy: far fewer images than the real USPS
    assert main(['USPS', '--data-root', str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert 'train 6 (expected 7291) MISMATCH' in out and 'test 2 (expected 2007) MISMATCH' in out


def test_check_missing_dataset_one_line_and_nonzero(tmp_path):
    proc = subprocess.run([sys.executable, '-m', 'datasets.check', 'Textures', 'AID', '--data-root', str(tmp_path),
                           '--decode', '1'], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout.startswith('Textures: ') and 'OK' in proc.stdout
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('error: dataset AID:') and 'captain-whu' in err[0]
    assert 'Traceback' not in proc.stderr


def test_check_reports_skipped_rows_and_derived_splits(tmp_path, capsys):
    make_fake('Kaokore', tmp_path)
    make_fake('CUB', tmp_path)
    assert main(['Kaokore', 'CUB', '--data-root', str(tmp_path)]) == 1  # miniature counts differ
    out = capsys.readouterr().out
    assert 'note (Kaokore): 1 rows of labels.csv have no image file on disk (left out)' in out
    assert 'note (CUB): train_filelist.txt absent' in out and 'datasets.prepare cub' in out
