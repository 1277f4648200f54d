"""Build the docs from nbs/: nbdev's processing, a check of the API pages, then the site or a preview of it.

    python tools/docs.py            # `make docs`
    python tools/docs.py --check    # processing and API check only (tests/test_docs.py runs this)
    python tools/docs.py --shots D  # also screenshots of three preview pages into D (needs Debian's `chromium`)
    python tools/docs.py --prose    # words per sentence and per markdown cell, by chapter (the yardstick tests/test_docs.py holds)

1. Processing: what `nbdev-proc-nbs` does (nbdev.yml from pyproject.toml, then every notebook through nbdev's
   processors into _proc/, executing each cell that holds an export, an import or a `show_doc`), without its attempt
   to download and install quarto. Any error, and any warning nbdev raises while processing, fails the build.
2. Checks: each notebook's first cell holds only its title and description (nbdev drops the rest of that cell from
   the page); in the processed notebooks, every name a module exports (its `__all__`, and the methods patched onto
   `Learner`) has a `show_doc` entry in the chapter that defines it: its heading, its signature, and the doc of
   every parameter that has one (nbdev 3 writes each as a trailing comment in the signature).
3. Site: where quarto is installed, `nbdev-docs` renders _docs/ (GitHub's docs workflow does this). Where it is not,
   one line says so and _docs/ gets a preview of the same processed pages as HTML (nbconvert): one page per
   chapter, the README's page (nbs/index.ipynb) as index.html, and the sidebar's chapter list on every page.
"""
import argparse, importlib, os, re, shutil, subprocess, sys, warnings, yaml
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def process():
    "Process every notebook as `nbdev-proc-nbs` does; raise on any error or nbdev warning. Returns the _proc folder"
    from nbdev.quarto import refresh_quarto_yml
    from nbdev.serve import proc_nbs
    os.chdir(root)
    refresh_quarto_yml()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        cache = proc_nbs(n_workers=0, force=True)
    ours = [w for w in caught if 'nbdev' in w.filename]
    if ours: raise RuntimeError('nbdev warned while processing the notebooks:\n' + '\n'.join(str(w.message) for w in ours))
    return Path(cache)

def chapters():
    "{module name: chapter notebook} from each notebook's `default_exp`"
    res = {}
    for nb in sorted((root/'nbs').glob('*.ipynb')):
        m = re.search(r'#\|\s*default_exp\s+([\w.]+)', nb.read_text())
        if m: res[m.group(1)] = nb.name
    return res

def _show_docs(nb_path):
    "The markdown of every `show_doc` output in a processed notebook"
    import json
    res = []
    for c in json.loads(Path(nb_path).read_text())['cells']:
        for o in c.get('outputs', []):
            md = ''.join(o.get('data', {}).get('text/markdown', ''))
            if md.startswith('---') and '```python' in md: res.append(md)
    return res

def _api(module):
    "Functions and classes `module` exports, by name: those in its `__all__` and the public `Learner` methods it patches"
    import inspect
    from fastai.learner import Learner
    m = importlib.import_module(f'fixres_fastai.{module}')
    res = {n: getattr(m, n) for n in getattr(m, '__all__', [])}
    for n,v in vars(Learner).items():
        if getattr(v, '__module__', None) == m.__name__ and not n.startswith('_'): res[f'Learner.{n}'] = v
    return {n:o for n,o in res.items() if inspect.isfunction(o) or inspect.isclass(o)}

def check_api(cache):
    "Every exported name has its `show_doc` entry (heading, signature, parameter docs) in its chapter's processed page"
    from fastcore.docments import docments
    missing,n = [],0
    for module,nb in chapters().items():
        docs,api = _show_docs(cache/nb),_api(module)
        n += len(api)
        for name,obj in api.items():
            entry = next((d for d in docs if re.search(rf'^#+ {re.escape(name)}\s*$', d, re.M)), None)
            if entry is None: missing.append(f'{nb}: no show_doc entry for {name}'); continue
            short = name.split('.')[-1]
            if not re.search(rf'(def|class) {re.escape(short)}\b|{re.escape(short)}\(', entry): missing.append(f'{nb}: {name} shows no signature')
            try: dm = docments(obj.__init__ if isinstance(obj, type) else obj)
            except Exception: continue
            for p,d in dm.items():
                if d and p not in ('return', 'self') and d.split('\n')[0] not in entry: missing.append(f'{nb}: {name} does not show the doc of `{p}`')
    if missing: raise RuntimeError('API pages incomplete:\n' + '\n'.join(missing))
    return n

def _prose_text(md):
    "The prose of a markdown cell: no code blocks, tables, headings, the title's description or formulas"
    md = re.sub(r'```.*?```', '', md, flags=re.S)
    md = re.sub(r'^\s*\|.*$|^#+ .*$|^> .*$', '', md, flags=re.M)
    return re.sub(r'\$[^$]*\$', 'x', md)

def prose():
    "{chapter: (words, sentences, the words of its longest markdown cell)}: what a reader meets, sentence by sentence"
    import json
    res = {}
    for nb in sorted((root/'nbs').glob('*.ipynb')):
        cells = [_prose_text(''.join(c['source'])) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown']
        words = [len(re.findall(r"\S+", t)) for t in cells]
        sents = [len([x for x in re.split(r'(?<=[.!?:])\s+(?=[A-Z`(*\d])|\n\s*\n|\n\s*(?:\d+\.|-) ', t) if re.search(r'\w', x)]) for t in cells]
        res[nb.name] = (sum(words), sum(sents), max(words, default=0))
    return res

def check_pages():
    "Each notebook's first cell holds only its title and description: nbdev turns that cell into the page's header and drops the rest"
    import json
    bad = []
    for nb in sorted((root/'nbs').glob('*.ipynb')):
        src = ''.join(json.loads(nb.read_text())['cells'][0]['source'])
        if not re.fullmatch(r'# [^\n]+\n+> [^\n]+\s*', src): bad.append(nb.name)
    if bad: raise RuntimeError(f"first cell of {', '.join(bad)}: only '# title' and '> description' (nbdev drops the rest from the page)")

def _order():
    "Chapter notebooks in the sidebar's order"
    return re.findall(r'-\s+(\S+\.ipynb)', (root/'nbs'/'sidebar.yml').read_text())

def _directives(src):
    return dict((m.group(1), m.group(2).strip()) for m in re.finditer(r'^#\|\s*([\w-]+):?\s*(.*)$', src, re.M))

def _for_preview(nb):
    "Apply quarto's cell options the way the site does: drop `include: false`, hide `echo: false` inputs and `output: false` outputs"
    import nbformat
    cells,title,desc = [],None,''
    for c in nb.cells:
        if c.cell_type == 'raw' and c.source.startswith('---'):
            fm = yaml.safe_load(c.source.strip().strip('-'))
            title,desc = fm.get('title'),fm.get('description', '')
            continue
        if c.cell_type == 'markdown' and 'AUTOGENERATED' in c.source: continue
        c.metadata.pop('execution', None)        # nbdev-test --save's timings, which nbformat's schema refuses
        if c.cell_type == 'code':
            d = _directives(c.source)
            if d.get('include') == 'false': continue
            c.source = '\n'.join(l for l in c.source.splitlines() if not l.startswith('#|')).strip()
            if d.get('echo') == 'false': c.metadata['transient'] = {'remove_source': True}
            if d.get('output') == 'false': c.outputs = []
            for o in c.get('outputs', []):
                md = o.get('data', {}).get('text/markdown')
                if md: o['data']['text/markdown'] = re.sub(r'\]\(([^)]*)\)\{[^}]*\}', r'](\1)', md)
        if c.cell_type == 'markdown': c.source = re.sub(r'\(([\w.]+)\.ipynb(#[\w-]*)?\)', r'(\1.html\2)', c.source)
        cells.append(c)
    if title: cells.insert(0, nbformat.v4.new_markdown_cell(f'# {title}\n\n> {desc}'))
    nb.cells = cells
    return nb

def preview(cache, dest=root/'_docs'):
    "Write an HTML preview of the processed notebooks: one page per chapter, index.html, the chapter list on every page"
    import nbformat
    from nbconvert import HTMLExporter
    shutil.rmtree(dest, ignore_errors=True); dest.mkdir(parents=True)
    pages = [(nb, nbformat.read(cache/nb, as_version=4)) for nb in _order()]
    titles = {nb: yaml.safe_load(n.cells[0].source.strip().strip('-')).get('title', nb) for nb,n in pages}
    exp = HTMLExporter(template_name='lab', exclude_input_prompt=True, exclude_output_prompt=True)
    for nb,n in pages:
        html,_ = exp.from_notebook_node(_for_preview(n))
        links = ''.join(f'<li{" class=here" if o == nb else ""}><a href="{Path(o).stem}.html">{titles[o]}</a></li>' for o,_ in pages)
        nav = (f'<nav class="chapters"><b>fixres_fastai</b><ul>{links}</ul></nav>'
               '<style>nav.chapters{position:fixed;left:0;top:0;width:15em;height:100%;overflow:auto;padding:1em;font-size:13px;'
               'background:#f6f6f6;border-right:1px solid #ddd} nav.chapters li{margin:.4em 0} nav.chapters li.here{font-weight:bold}'
               ' body{margin-left:17em!important} .jp-Cell-outputArea pre,.jp-InputArea pre{white-space:pre-wrap}</style>')
        html = re.sub(r'(<body[^>]*>)', lambda m: m.group(1) + nav, html, count=1)
        (dest/f'{Path(nb).stem}.html').write_text(html)
    return dest

def screenshots(dest, out, pages=('index', '03_learner', '04_sweep')):
    "Screenshots of preview pages with headless Chromium"
    exe = shutil.which('chromium') or shutil.which('chromium-browser')
    if not exe: sys.exit("screenshots need Chromium (Debian: apt-get install chromium)")
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    for p in pages:
        subprocess.run([exe, '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
                        '--disable-component-update', '--disable-sync', '--hide-scrollbars', '--window-size=1280,2400',
                        f'--user-data-dir={out/".chromium"}', f'--screenshot={out/p}.png', (dest/f'{p}.html').as_uri()],
                       check=True, capture_output=True, timeout=120)
    shutil.rmtree(out/'.chromium', ignore_errors=True)
    print(f'screenshots of {", ".join(pages)} in {out}')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--check', action='store_true', help='process the notebooks and check the API pages only')
    ap.add_argument('--shots', metavar='DIR', help='also take screenshots of three preview pages into DIR')
    ap.add_argument('--prose', action='store_true', help='print words per sentence and the longest markdown cell of each chapter, and stop')
    a = ap.parse_args()
    if a.prose:
        st = prose()
        for nb,(w,n,big) in st.items(): print(f'{nb:24} {w:5} words, {w/max(n, 1):4.1f} a sentence, longest cell {big} words')
        w,n = sum(v[0] for v in st.values()),sum(v[1] for v in st.values())
        sys.exit(print(f'all chapters: {w/n:.1f} words a sentence'))
    check_pages()
    cache = process()
    n = check_api(cache)
    print(f'processed {len(list(cache.glob("*.ipynb")))} notebooks with no warning; {n} exported names, each with its API entry')
    if a.check: sys.exit(0)
    if shutil.which('quarto'): sys.exit(subprocess.run([str(Path(sys.executable).parent/'nbdev-docs')], cwd=root).returncode)
    dest = preview(cache)
    print(f'quarto is not installed (the docs workflow builds the site with it): wrote an HTML preview of the same pages to {dest.relative_to(root)}/')
    if a.shots: screenshots(dest, a.shots)
