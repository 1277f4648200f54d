"""Write README.md from nbs/index.ipynb: its markdown, its shown code cells, and their text outputs.

nbdev's `nbdev-readme` does this with quarto, which cannot be installed offline here (the `quarto-cli` package
downloads quarto at build time); this script does the same job for the README with no download.
`make readme` runs it; tests/test_package.py checks that README.md is what it writes.

    python tools/readme.py [nbs/index.ipynb] [README.md]
"""
import json, re, sys
from pathlib import Path

root = Path(__file__).parent.parent

def _text(o):
    "The text an output shows, or None (HTML widgets, images, progress bars)"
    if o.get('output_type') == 'stream' and o.get('name') == 'stdout': t = ''.join(o['text'])
    elif o.get('output_type') in ('execute_result', 'display_data'): t = ''.join(o.get('data', {}).get('text/plain', ''))
    else: return None
    bar = re.compile(r'█|\d+\.\d+% \[|^\s*Epoch \d+/\d+ :\s*$')      # fastprogress redraws, on a terminal or in a console
    t = '\n'.join(l.rstrip() for l in t.replace('\r', '\n').splitlines() if l.strip() and not bar.search(l))
    return None if not t or t.startswith('<') else t

def render(nb_path=root/'nbs'/'index.ipynb') -> str:
    "The README's markdown for notebook `nb_path`"
    nb,parts = json.loads(Path(nb_path).read_text()),[]
    for c in nb['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown': parts.append(src.strip()); continue
        if re.search(r'^#\|\s*(hide|exec_doc|export)', src, re.M): continue
        code = '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip()
        if code: parts.append(f'```python\n{code}\n```')
        outs = [t for o in c.get('outputs', []) if (t := _text(o))]
        if outs: parts.append('```\n' + '\n'.join(outs) + '\n```')
    return '<!-- Written by `make readme` from nbs/index.ipynb: edit the notebook, not this file -->\n\n' + '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    args = sys.argv[1:]
    src = args[0] if args else root/'nbs'/'index.ipynb'
    dest = args[1] if len(args) > 1 else root/'README.md'
    Path(dest).write_text(render(src))
