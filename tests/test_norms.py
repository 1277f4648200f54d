"train='norms+head': every norm layer's scale and shift and the head train at the new size; no statistics move, nothing else changes."
import pytest, torch
from fastai.vision.all import *
from fastcore import test as fc
from torchvision.models import resnet18
from fixres_fastai import *
from fixres_fastai.callback import _norm_types
from fixres_fastai.learner import FixResOptions

def _learner(photos, arch):
    set_seed(0)
    dls = get_dls(64, photos, bs=8)
    if arch == 'timm': return vision_learner(dls, 'tf_efficientnet_lite0', pretrained=False, metrics=accuracy)
    return vision_learner(dls, resnet18, pretrained=False, metrics=accuracy)

def _state(learn): return {k:v.clone() for k,v in learn.model.state_dict().items()}

@pytest.mark.parametrize('arch', ['resnet18', 'timm'])
def test_norms_and_head_train_and_no_statistics_move(photos, arch):
    learn = _learner(photos, arch)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    learn.freeze()
    flags = [p.requires_grad for p in learn.model.parameters()]
    before = _state(learn)
    with learn.no_bar(), learn.no_logging(): learn.fixres(96, 1, train='norms+head', show=False)
    after = learn.model.state_dict()
    changed = {k for k,v in after.items() if not torch.equal(v, before[k])}
    norms = {n for n,m in learn.model.named_modules() if isinstance(m, _norm_types)}
    weights = {f'{n}.{w}' for n in norms for w in ('weight', 'bias')} & set(after)
    body_norm_weights = {k for k in weights if k.startswith('0.')}
    head = {k for k in after if k.startswith('1.') and not k.endswith(('running_mean', 'running_var', 'num_batches_tracked'))}
    assert changed <= weights | head, sorted(changed - weights - head)       # nothing else, bit for bit
    assert len(changed & body_norm_weights) > len(norms)//2                 # the body's norm layers did train
    assert not any(k.endswith(('running_mean', 'running_var', 'num_batches_tracked')) for k in changed)   # no statistics moved
    fc.test_eq([p.requires_grad for p in learn.model.parameters()], flags)
    fc.test_eq(learn.fixres_size, 96)
    fc.test_eq(learn.dls.valid.one_batch()[0].shape[-2:], (96, 96))

def test_norms_mode_keeps_every_norm_in_eval(photos):
    "During the fit every norm layer is in eval mode (statistics frozen), the head's dropout in train mode"
    learn = _learner(photos, 'resnet18')
    seen = []
    class Spy(Callback):
        order = 99
        def before_batch(self):
            if self.training: seen.append(({m.training for m in self.learn.model.modules() if isinstance(m, _norm_types)},
                                           {m.training for m in self.learn.model.modules() if isinstance(m, nn.Dropout)}))
    with learn.no_bar(), learn.no_logging(): learn.fixres(80, 1, train='norms+head', cbs=Spy(), show=False)
    assert seen and all(n == {False} and d == {True} for n,d in seen)

def test_norms_mode_rolls_back_and_refuses_what_it_cannot(photos):
    "A fit that fails leaves the learner exactly as it was; a cache is refused with a reason; `train_from` goes with 'norm+head' only"
    learn = _learner(photos, 'resnet18')
    before,dls = _state(learn),learn.dls
    class Boom(Callback):
        def after_batch(self):
            if self.training and self.iter == 1: raise RuntimeError('boom')
    with pytest.raises(RuntimeError, match='boom'), learn.no_bar(), learn.no_logging():
        learn.fixres(96, 1, train='norms+head', cbs=Boom(), show=False)
    assert all(torch.equal(v, before[k]) for k,v in learn.model.state_dict().items()) and learn.dls is dls
    assert all(p.requires_grad for p in learn.model.parameters())
    with pytest.warns(UserWarning, match="norms\\+head"), learn.no_bar(), learn.no_logging():
        learn.fixres(80, 2, train='norms+head', cache=True, show=False)
    with pytest.raises(ValueError, match='`train_from`'): learn.fixres(80, 1, train='norms+head', train_from='0.7')

def test_the_finder_chooses_between_modes(photos):
    "`modes=`: a row a (size, mode), each fine-tuned and timed; 'auto' keeps what `fixres` at its size and mode gives; the learner is left as it was"
    learn = _learner(photos, 'resnet18')
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    before,dls = _state(learn),learn.dls
    modes = ['norm+head', 'norms+head']
    with learn.no_bar(), learn.no_logging(): r = learn.fixres_find(1, sizes=[80], modes=modes, plot=False)
    assert all(torch.equal(v, before[k]) for k,v in learn.model.state_dict().items()) and learn.dls is dls
    fc.test_eq(list(zip(r.table['size'], r.table['train'])), [(64, 'norm+head'), (64, 'norms+head'), (80, 'norm+head'), (80, 'norms+head')])
    assert r.table['fine-tuned'].notna().all() and (r.table['fit s'] > 0).all()
    fc.test_eq(r.modes, modes)
    t = r.table.set_index(['size', 'train'])
    fc.test_eq((r.best, r.best_train), max(t.index, key=lambda k: (t.loc[k, 'fine-tuned'], -list(t.index).index(k))))
    fc.test_eq(r.suggest(-math.inf), (r.best, True, r.best_train))
    assert "with train=" in repr(r)
    def weights(f):
        learn.model.load_state_dict(before); learn.dls = dls; learn.__dict__.pop('fixres_size', None); set_seed(1)
        with learn.no_bar(), learn.no_logging(): out = f()
        return out, _state(learn)
    r2,auto = weights(lambda: learn.fixres('auto', 1, sizes=[80], modes=modes, guard=-math.inf, show=False))
    _,fixed = weights(lambda: learn.fixres(r2.size, 1, train=r2.train, show=False))
    assert all(torch.allclose(v.float(), auto[k].float(), atol=5e-4) for k,v in fixed.items())   # the finder's fine-tune, kept
    fc.test_eq(r2.report['option'].iloc[1], f"fixres with train={r2.train!r}")

def test_modes_are_checked_before_anything_runs(photos):
    learn = _learner(photos, 'resnet18')
    before = _state(learn)
    for bad in ('norms+head', [], ['norms+head', 'norms+head'], ['all']):
        with pytest.raises(ValueError, match='`modes` must be'): learn.fixres_find(1, modes=bad, plot=False)
        with pytest.raises(ValueError, match='`modes` must be'): learn.fixres('auto', modes=bad)
    with pytest.raises(ValueError, match='`modes`: `train_from`'): learn.fixres('auto', modes=['norms+head'], train_from='1.2')
    with pytest.raises(ValueError, match='steer the search'): learn.fixres(96, modes=['norms+head'])
    assert all(torch.equal(v, before[k]) for k,v in learn.model.state_dict().items())

def test_the_finder_with_the_users_dls(photos, tmp_path):
    "After `load_learner` (no data), 'auto' takes the user's DataLoaders, rebuilt at each size it tries and for each mode"
    learn = _learner(photos, 'resnet18')
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    learn.export(tmp_path/'l.pkl')
    learn = load_learner(tmp_path/'l.pkl')
    dls = get_dls(64, photos, bs=8)
    with learn.no_bar(), learn.no_logging():
        r = learn.fixres('auto', 1, sizes=[80], modes=['norm+head', 'norms+head'], dls=dls, guard=-math.inf, show=False)
    assert r.tune and r.table['fine-tuned'].notna().all()
    fc.test_eq(learner_size(learn), r.size)
    assert 'dls=' in repr(FixResOptions(dls=dls))

def test_modes_the_model_cannot_train_are_refused_before_any_fine_tune(photos):
    "A last norm layer with no running statistics (GroupNorm) cannot take 'stats': refused, naming `modes`, before the first fine-tune"
    set_seed(0)
    dls = get_dls(64, photos, bs=8)
    model = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2), nn.GroupNorm(2, 8), nn.ReLU(), nn.AdaptiveAvgPool2d(1), Flatten(), nn.Linear(8, dls.c))
    learn = Learner(dls, model, metrics=accuracy)
    fits = []
    class Count(Callback):
        def before_fit(self): fits.append(1)
    with pytest.raises(ValueError, match="`modes`: train='stats'"): learn.fixres_find(1, sizes=[80], modes=['norm+head', 'stats'], cbs=Count(), plot=False)
    fc.test_eq(fits, [])
    with pytest.raises(ValueError, match="`modes`: `train_from`"): learn.fixres_find(1, modes=('norm+head', 'head'), train_from='0', plot=False)
    with learn.no_bar(), learn.no_logging(): r = learn.fixres_find(1, sizes=[80], modes=('norm+head',), train_from='0', plot=False)   # a tuple is a list of modes
    fc.test_eq(r.modes, ['norm+head'])
