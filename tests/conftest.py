import pytest, tempfile, importlib.util
from pathlib import Path

def pytest_addoption(parser):
    parser.addoption('--slow', action='store_true', help='also run tests marked slow')

def pytest_collection_modifyitems(config, items):
    # `from fastai.vision.all import *` brings fastcore's test_eq, test_fail...: not tests of ours
    foreign = [i for i in items if getattr(getattr(i, 'obj', None), '__module__', '').startswith(('fastcore', 'fastai'))]
    if foreign:
        config.hook.pytest_deselected(items=foreign)
        items[:] = [i for i in items if i not in foreign]
    if config.getoption('--slow'): return
    skip = pytest.mark.skip(reason='slow: run with --slow')
    for item in items:
        if 'slow' in item.keywords: item.add_marker(skip)

@pytest.fixture(scope='session')
def photos():
    "An ImageNet-style folder of real photo crops, 3 classes"
    from fixres_fastai.data import example_folder
    return example_folder(Path(tempfile.mkdtemp())/'photos')

@pytest.fixture(scope='session')
def tool():
    "Load a script of tools/ as a module: `tool('readme')`"
    def load(name):
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent.parent/'tools'/f'{name}.py')
        m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
        return m
    return load
