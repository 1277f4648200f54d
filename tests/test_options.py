"How a fine-tune runs (`FixResOptions`) and what the finder searches (`SizeSearch`): checked once where the user calls, each default in one place."
import inspect, pytest
from fastai.vision.all import *
from fastcore.docments import docments
from torchvision.models import resnet18
from fixres_fastai import *
from fixres_fastai.learner import FixResOptions, _find_args
from fixres_fastai.finder import SizeSearch

def test_fixres_routes_every_search_argument_to_the_finder():
    "`fixres` tells the finder's arguments from the fine-tune's by `_find_args`: the same names as `SizeSearch`'s"
    assert set(_find_args) == set(inspect.signature(SizeSearch).parameters)

def test_signatures_show_and_document_every_option():
    "`fixres` and `fixres_find` show each option and search argument with its default and its doc, as `show_doc` reads them"
    for f,names in ((Learner.fixres, ['train', 'train_aug', 'cache_ram', 'norm']),
                    (Learner.fixres_find, ['sizes', 'guard', 'metric', 'lower_is_better', 'n_train', 'train', 'cache_ram'])):
        sig,docs = inspect.signature(f).parameters,docments(f)
        for n in names: assert n in sig and docs[n], (f.__name__, n)
    for n in ('train', 'cache_ram', 'reset_stats'): assert inspect.signature(Learner.fixres).parameters[n].default == inspect.signature(FixResOptions).parameters[n].default
    assert 'show' not in inspect.signature(Learner.fixres_find).parameters   # the finder prints nothing of its fine-tunes

def test_bad_arguments_name_themselves(photos):
    set_seed(0)
    learn = vision_learner(get_dls(64, photos, bs=8), resnet18, pretrained=False, metrics=accuracy)
    for kw,msg in ((dict(epochs=0), '`epochs` must be an int >= 1'), (dict(epochs=1.5), '`epochs`'), (dict(guard='1'), '`guard`'),
                   (dict(sizes=[0]), '`sizes`'), (dict(train='all'), '`train` must be one of'), (dict(lr=-1), '`lr`')):
        with pytest.raises(ValueError, match=msg): learn.fixres_find(**kw)
    with pytest.raises(TypeError): learn.fixres(96, 1, 1e-3, 'head')    # only size, epochs and lr by position, as `fit_one_cycle`
    with pytest.raises(TypeError): learn.fixres_find(1, [80], 1.)        # epochs and sizes by position
    with pytest.raises(ValueError, match='`measures`'): learn.fixres(96, measures='m')

def test_every_fine_tune_of_the_finder_has_the_learners_callbacks(photos):
    "Each of the finder's fine-tunes runs with the learner's own callbacks (its progress bar too), and the learner keeps them after"
    set_seed(0)
    learn = vision_learner(get_dls(64, photos, bs=8), resnet18, pretrained=False, metrics=accuracy)
    cbs,seen = list(learn.cbs),[]
    class Spy(Callback):
        def before_fit(self): seen.append([type(c).__name__ for c in self.learn.cbs if not isinstance(c, Spy)][:4])
    with learn.no_logging(): learn.fixres_find(1, [80, 96], plot=False, cbs=Spy())
    assert len(seen) == 3 and all(s == ['TrainEvalCallback', 'Recorder', 'CastToTensor', 'ProgressCallback'] for s in seen), seen
    assert list(learn.cbs) == cbs
