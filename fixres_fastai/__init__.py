__version__ = "0.1.0"

# fastai 2.8's layers.py calls torch.jit.script when it is imported, which torch deprecates with a FutureWarning that
# is fastai's to fix, not something a user of this package can act on: hide that one message.
import warnings
warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)

from . import data, rollback, callback, cache, resolution, measures, learner, finder, sweep
from .data import *
from .callback import *
from .cache import TrunkCacheCallback
from .resolution import *
from .measures import SizeMeasures
from .learner import learner_size
from .finder import SuggestedSize
from .sweep import *

# What `from fixres_fastai import *` brings: the names a user calls (the `Learner` methods arrive by `@patch`).
# The rest stays importable by its module path: `rollback` (fixres_fastai.rollback), `Score` and `paired_gain`
# (fixres_fastai.measures), `FixResOptions` (fixres_fastai.learner), `SizeSearch` (fixres_fastai.finder).
__all__ = [*data.__all__, *callback.__all__, 'TrunkCacheCallback', *resolution.__all__, 'SizeMeasures', 'learner_size',
           'SuggestedSize', *sweep.__all__]
