"Each fact lives in one file; the built wheel must agree with all of them."
import configparser, re, subprocess, sys, tomllib, zipfile
from email.parser import Parser
from pathlib import Path

root = Path(__file__).parents[1]

def _settings():
    cfg = configparser.ConfigParser(delimiters=['='])
    cfg.read(root/'settings.ini')
    return cfg['DEFAULT']

def test_wheel_metadata_matches_sources(tmp_path):
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', str(tmp_path), str(root)],
                   check=True, capture_output=True)
    whl = next(tmp_path.glob('fixres_fastai-*.whl'))
    with zipfile.ZipFile(whl) as z:
        meta = Parser().parsestr(z.read(next(n for n in z.namelist() if n.endswith('METADATA'))).decode())
        names = z.namelist()
        ep = z.read(next(n for n in names if n.endswith('entry_points.txt'))).decode()
    proj,cfg = tomllib.loads((root/'pyproject.toml').read_text())['project'],_settings()
    version = re.search(r'^__version__ = "(.+)"', (root/'fixres_fastai/__init__.py').read_text(), re.M).group(1)
    assert meta['Name'] == proj['name']
    assert meta['Version'] == version
    assert meta['Requires-Python'] == proj['requires-python']
    assert meta['Summary'] == proj['description']
    assert sorted(meta.get_all('Project-URL')) == sorted(f'{k}, {v}' for k,v in proj['urls'].items())
    reqs = meta.get_all('Requires-Dist')
    assert sorted(r for r in reqs if 'extra ==' not in r) == sorted(cfg['requirements'].split())
    demo = {r.split(';')[0].strip() for r in reqs if "extra == \"demo\"" in r}
    assert demo == set(cfg['demo_requirements'].split())
    assert all(f'fixres_fastai/{m}.py' in names for m in ('data', 'rollback', 'callback', 'cache', 'resolution', 'measures', 'learner', 'finder', 'sweep', 'demo', 'cli'))
    assert cfg['console_scripts'].replace('=', ' = ') in ep

def test_runtime_dependencies_are_the_cards():
    names = {re.split(r'[<>=!\[ ]', r)[0] for r in _settings()['requirements'].split()}
    assert names == {'fastai', 'torch', 'torchvision', 'fastcore'}

def test_nbdev_reads_the_same_project():
    from nbdev.config import get_config
    cfg = get_config(root)
    import fixres_fastai
    assert cfg.lib_name == tomllib.loads((root/'pyproject.toml').read_text())['project']['name']
    assert cfg.lib_path == root/'fixres_fastai'
    assert cfg.version == fixres_fastai.__version__
    urls = tomllib.loads((root/'pyproject.toml').read_text())['project']['urls']
    assert cfg.git_url == urls['Repository']
    assert cfg.doc_host + cfg.doc_baseurl + '/' == urls['Documentation']     # the docs site's address, for quarto

def test_version_lives_in_one_place():
    for f in ('settings.ini', 'pyproject.toml', 'setup.py'):
        assert not re.search(r'version\s*=\s*[\'"]\d', (root/f).read_text()), f

def test_star_import_exposes_api_and_patches_learner():
    ns = {}
    exec('from fixres_fastai import *', ns)
    for name in ('get_dls', 'dls_at', 'FixResCallback', 'FixResCrop', 'find_last_norm', 'learner_size', 'apparent_size_ratio', 'recommend_test_size',
                 'read_pipeline', 'plot_sweep', 'SizeMeasures'):
        assert name in ns, name
    from fastai.learner import Learner
    for m in ('fixres', 'res_sweep', 'multires_preds', 'pooled_stats', 'pooled_features'): assert callable(getattr(Learner, m, None)), m

def test_namespace_shadows_no_fastai_name():
    "After fastai's star import, ours rebinds none of its names and brings only what a user calls: no modules, no helpers"
    ns = {}
    exec('from fastai.vision.all import *', ns)
    fastai_ns = dict(ns)
    exec('from fixres_fastai import *', ns)
    assert [k for k in fastai_ns if ns[k] is not fastai_ns[k]] == []
    ours = sorted(k for k in ns if k not in fastai_ns)
    assert len(ours) <= 21, ours
    import fixres_fastai, types
    assert ours == sorted(fixres_fastai.__all__)
    assert not any(isinstance(ns[k], types.ModuleType) or k.startswith('_') for k in ours), ours

def test_console_script_runs(tmp_path):
    "The installed `fixres-fastai` command answers --help (the editable install puts it beside the interpreter)"
    exe = Path(sys.executable).parent/'fixres-fastai'
    res = subprocess.run([str(exe), '--help'], capture_output=True, text=True, check=True)
    assert 'demo' in res.stdout and 'train' in res.stdout
    assert 'Warning' not in res.stderr, res.stderr          # torch's FutureWarning about fastai's torch.jit.script is not ours to show
    out = subprocess.run([str(exe), 'demo', '--help'], capture_output=True, text=True, check=True).stdout
    assert '--quick' in out

def test_readme_is_written_from_the_index_notebook(tool):
    "README.md has one source, nbs/index.ipynb: `make readme` writes it"
    readme = tool('readme')
    assert (root/'README.md').read_text() == readme.render(root/'nbs'/'index.ipynb'), "README.md differs from nbs/index.ipynb: run `make readme`"
