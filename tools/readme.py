"""Write README.md from nbs/index.ipynb: its markdown, its shown code cells, and their text outputs.

nbdev's `nbdev-readme` does this with quarto, which cannot be installed offline here (the `quarto-cli` package
downloads quarto at build time); this script does the same job for the README with no download. Adjacent code cells
with no output between them become one block (nbdev wants imports in cells of their own; a reader wants one example),
and links to chapters (`03_learner.ipynb`) point into nbs/. Outputs are taken as saved: tools/clean_outputs.py has
already removed progress bars from them. `make readme` runs it; tests/test_package.py checks that README.md is what it writes.

    python tools/readme.py [nbs/index.ipynb] [README.md]
"""
import json, re, sys
from pathlib import Path

root = Path(__file__).parent.parent

def _text(o):
    "The text an output shows, or None (HTML, images, widgets)"
    if o.get('output_type') == 'stream' and o.get('name') == 'stdout': t = ''.join(o['text'])
    elif o.get('output_type') in ('execute_result', 'display_data'): t = ''.join(o.get('data', {}).get('text/plain', ''))
    else: return None
    t = '\n'.join(l.rstrip() for l in t.splitlines() if l.strip())
    return None if not t or t.startswith('<') else t

def render(nb_path=root/'nbs'/'index.ipynb') -> str:
    "The README's markdown for notebook `nb_path`"
    nb,parts,code = json.loads(Path(nb_path).read_text()),[],[]
    def flush():
        if code: parts.append('```python\n' + '\n\n'.join(code) + '\n```'); code.clear()
    for c in nb['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown':
            flush(); parts.append(re.sub(r'\]\((\w+\.ipynb)', r'](nbs/\1', src.strip())); continue
        if re.search(r'^#\|\s*(hide|exec_doc|export)', src, re.M): continue
        lines = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()
        if lines: code.append(lines)
        outs = [t for o in c.get('outputs', []) if (t := _text(o))]
        if outs: flush(); parts.append('```\n' + '\n'.join(outs) + '\n```')
    flush()
    return '<!-- Written by `make readme` from nbs/index.ipynb: edit the notebook, not this file -->\n\n' + '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    args = sys.argv[1:]
    src = args[0] if args else root/'nbs'/'index.ipynb'
    dest = args[1] if len(args) > 1 else root/'README.md'
    Path(dest).write_text(render(src))
