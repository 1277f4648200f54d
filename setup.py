"Build script: states no facts of its own. Metadata and dependencies come from settings.ini, the version from fixres_fastai/__init__.py; the name, description and addresses setuptools reads from pyproject.toml itself."
import re
from configparser import ConfigParser
from pathlib import Path
from setuptools import setup, find_packages

here = Path(__file__).parent
cfg = ConfigParser(delimiters=['='])
cfg.read(here/'settings.ini', encoding='utf-8')
cfg = cfg['DEFAULT']
version = re.search(r'^__version__\s*=\s*[\'"]([^\'"]+)[\'"]', (here/'fixres_fastai'/'__init__.py').read_text(), re.M).group(1)
reqs = lambda k: cfg.get(k, '').split()
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable']

setup(
    version=version,
    long_description=(here/'README.md').read_text(encoding='utf-8'),
    long_description_content_type='text/markdown',
    author=cfg['author'], author_email=cfg['author_email'],
    license=cfg['license'], keywords=cfg['keywords'].split(),
    classifiers=[f"Development Status :: {statuses[int(cfg['status'])-1]}", 'Framework :: Jupyter',
                 'Intended Audience :: Science/Research', 'Programming Language :: Python :: 3',
                 'Topic :: Scientific/Engineering :: Artificial Intelligence'],
    packages=find_packages(include=['fixres_fastai', 'fixres_fastai.*']),
    include_package_data=True,
    install_requires=reqs('requirements'),
    extras_require={'demo': reqs('demo_requirements'),
                    'dev': reqs('demo_requirements') + reqs('dev_requirements')},
    entry_points={'console_scripts': cfg.get('console_scripts', '').split()},
    zip_safe=False,
)
