"The GPU check (tools/device_check.sh) runs here on the CPU at small sizes, so that it cannot rot between two lent GPUs."
import os, subprocess, sys
from pathlib import Path
import pytest

root = Path(__file__).parents[1]

@pytest.mark.slow
def test_device_check_dry_run_on_the_cpu(tmp_path):
    res = subprocess.run(['bash', str(root/'tools'/'device_check.sh'), '--cpu'], capture_output=True, text=True, timeout=900,
                         env={**os.environ, 'OUT': str(tmp_path), 'PYTHON': sys.executable})
    assert res.returncode == 0, res.stdout + res.stderr[-3000:]
    lines = (tmp_path/'summary.txt').read_text().splitlines()
    for step in ('pytest', 'notebooks', 'precision', 'cost', 'auto'): assert any(l.startswith(f'{step}: ') for l in lines), (step, lines)
    assert not any('FAILED' in l or 'CUT' in l for l in lines), lines
    for f in ('precision.json', 'auto.json', 'cost.json', 'RESULTS_device.md'): assert (tmp_path/f).stat().st_size > 0, f

def test_device_check_header_documents_its_steps():
    head = (root/'tools'/'device_check.sh').read_text().split('set -uo pipefail')[0]
    for word in ('--prepare', '--cpu', 'install', 'pytest', 'precision', 'cost', 'auto', 'Budget', 'Outputs'): assert word in head, word
