__version__ = "0.1.0"

# fastai 2.8's layers.py calls torch.jit.script when it is imported, which torch deprecates with a FutureWarning that
# is fastai's to fix, not something a user of this package can act on: hide that one message.
import warnings
warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)

from . import data, callback, cache, resolution, learner, sweep
from .data import *
from .callback import *
from .cache import *
from .resolution import *
from .learner import *
from .sweep import *

# What `from fixres_fastai import *` brings: the names a user calls (the `Learner` methods arrive by `@patch`);
# helpers stay importable by their module path (`from fixres_fastai.data import _check_size`)
__all__ = [*data.__all__, *callback.__all__, *cache.__all__, *resolution.__all__, *learner.__all__, *sweep.__all__]
