"The docs: nbdev's processing passes with no warning, every exported name has its API entry, pages and README hold what a reader needs."
import json, re, subprocess, sys
from pathlib import Path
import pytest

root = Path(__file__).parents[1]

@pytest.mark.slow
def test_nbdev_processing_passes_with_the_api_reference():
    "What `nbdev-proc-nbs` runs before quarto: no error, no nbdev warning, and each exported function and class documented in its chapter"
    res = subprocess.run([sys.executable, str(root/'tools'/'docs.py'), '--check'], capture_output=True, text=True, cwd=root)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert 'with no warning' in res.stdout and 'each with its API entry' in res.stdout

def test_saved_outputs_hold_no_progress_bars(tool):
    "The docs and the README show the notebooks' saved outputs: no console progress-bar redraws or dependencies' deprecation warnings in them (`make nbs` cleans them)"
    co = tool('clean_outputs')
    assert {nb.name: co.dirty(nb) for nb in sorted((root/'nbs').glob('*.ipynb')) if co.dirty(nb)} == {}
    assert co.screen('█\repoch  loss\n█\r\rEpoch 1/1 : |----| 0.00% [0/4 00:00<?]\rEpoch 1/1 :     \r0  1.5\n') == 'epoch  loss\n0  1.5\n'
    assert co.screen('/venv/lib/site-packages/torch/jit/_script.py:1491: FutureWarning: deprecated.\n  warnings.warn(\nepoch\n') == 'epoch\n'   # a dependency's deprecation, on import

def test_chapters_read_in_short_sentences(tool):
    "fastai's voice: one or two sentences above each function, no markdown cell over about 250 words, about 18 words a sentence in all"
    st = tool('docs').prose()
    assert {nb: big for nb,(_,_,big) in st.items() if big > 250} == {}
    assert sum(w for w,_,_ in st.values())/sum(n for _,n,_ in st.values()) <= 19

def test_sidebar_lists_every_chapter_once():
    listed = re.findall(r'-\s+(\S+\.ipynb)', (root/'nbs'/'sidebar.yml').read_text())
    assert sorted(listed) == sorted(p.name for p in (root/'nbs').glob('*.ipynb')) and listed[0] == 'index.ipynb'

def test_readme_is_short_and_its_links_resolve():
    text = (root/'README.md').read_text()
    assert len(text.encode()) < 8192
    for link in re.findall(r'\]\((?!https?://)([^)#]+)', text): assert (root/link).exists(), link

def test_workflows_run_the_readme_commands():
    wf = root/'.github'/'workflows'
    assert 'make test' in (wf/'test.yaml').read_text()
    deploy = (wf/'deploy.yaml').read_text()
    assert 'nbdev-docs' in deploy and 'quarto' in deploy and 'pages' in deploy
