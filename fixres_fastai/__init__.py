__version__ = "0.1.0"

# fastai 2.8's layers.py calls torch.jit.script when it is imported, which torch deprecates with a FutureWarning that
# is fastai's to fix, not something a user of this package can act on: hide that one message.
import warnings
warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)

from . import data, rollback, callback, cache, resolution, measures, learner, finder, sweep
from .data import FixResCrop, example_folder, UnreadableImages, naming_unreadable, get_dls, dls_at
from .callback import Call, find_last_norm, FixResCallback
from .cache import TrunkCacheCallback
from .resolution import *
from .measures import SizeMeasures
from .learner import learner_size
from .finder import SuggestedSize
from .sweep import *

# What `from fixres_fastai import *` brings: the names a user calls (the `Learner` methods arrive by `@patch`).
# The rest is public in its module, for the package's own modules and for those who extend it: `rollback`
# (fixres_fastai.rollback), `Score` and `paired_gain` (fixres_fastai.measures), `FixResOptions` (fixres_fastai.learner),
# `SizeSearch` (fixres_fastai.finder), `evaluating` and `probe_batch` (fixres_fastai.callback), `dl_at` (fixres_fastai.data).
__all__ = ['FixResCrop', 'example_folder', 'UnreadableImages', 'naming_unreadable', 'get_dls', 'dls_at', 'Call', 'find_last_norm',
           'FixResCallback', 'TrunkCacheCallback', *resolution.__all__, 'SizeMeasures', 'learner_size', 'SuggestedSize', *sweep.__all__]
