__version__ = "0.1.0"

# fastai 2.8's layers.py calls torch.jit.script when it is imported, which torch deprecates with a FutureWarning that
# is fastai's to fix, not something a user of this package can act on: hide that one message.
import warnings
warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)

from .data import *
from .callback import *
from .cache import *
from .resolution import *
from .learner import *
from .sweep import *
