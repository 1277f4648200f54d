"""Keep what a terminal would finally show of the notebooks' printed outputs: no progress-bar redraws.

`nbdev-test --save` runs the notebooks outside Jupyter, where fastprogress draws console bars: every redraw, each after
a carriage return, lands in the saved output, and the docs site and README would show them all. This keeps, for each
printed line, what remains after its last carriage return (fastai's epoch table stays), and drops the bars. It also drops
the deprecation warnings that dependencies print on import (timm's `torch.jit.script` under torch 2.14): they name a
path on the machine that ran the notebook and say nothing about this package.
`make nbs` runs it after running the notebooks; tests/test_docs.py checks that no notebook holds a redraw or such a warning.

    python tools/clean_outputs.py [NOTEBOOK ...]     # default: nbs/*.ipynb
"""
import re, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
BAR = re.compile(r'█|\|-{3,}|\d+\.\d+% \[\d+/\d+|^\s*Epoch \d+/\d+ :\s*$')
DEPRECATION = re.compile(r'^\S*site-packages/\S+:\d+: (?:Future|Deprecation)Warning: .*\n(?:  \S.*\n?)?', re.M)   # the warning and the source line Python prints under it

def screen(text):
    "`text` as a terminal leaves it: each line's last carriage-returned segment, without progress bars or dependencies' deprecation warnings"
    text,res = DEPRECATION.sub('', text),[]
    for line in text.split('\n'):
        segs = [s for s in line.split('\r') if s.strip()]
        if '\r' not in line: res.append(line); continue
        if not segs or BAR.search(segs[-1]): continue
        res.append(segs[-1].rstrip())
    return '\n'.join(res)

def dirty(nb_path):
    "Stream outputs of a notebook that hold a carriage return, a progress bar or a dependency's deprecation warning"
    from fastcore.nbio import read_nb
    return [c.idx_ for c in read_nb(nb_path).cells for o in c.get('outputs', [])
            if o.get('output_type') == 'stream' and ('\r' in o.text or BAR.search(o.text) or DEPRECATION.search(o.text))]

def clean(nb_path):
    "Write notebook `nb_path` back with its printed outputs as a terminal leaves them"
    from fastcore.nbio import read_nb, write_nb
    nb = read_nb(nb_path)
    for c in nb.cells:
        if 'outputs' not in c: continue
        for o in c.outputs:
            if o.get('output_type') == 'stream': o['text'] = screen(''.join(o.text))
        c['outputs'] = [o for o in c.outputs if o.get('output_type') != 'stream' or o['text'].strip()]
    write_nb(nb, nb_path)

if __name__ == '__main__':
    for p in (sys.argv[1:] or sorted((root/'nbs').glob('*.ipynb'))): clean(p)
