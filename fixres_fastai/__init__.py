__version__ = "0.1.0"

from .data import *
from .callback import *
from .cache import *
from .resolution import *
from .learner import *
from .sweep import *
