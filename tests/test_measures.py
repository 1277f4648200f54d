"Measured once: `SizeMeasures` shares each size's validation outputs and throughput between `res_sweep`, `fixres_find`, `fixres('auto')` and the command; the finder fine-tunes at every size and leaves the learner as it was."
import pytest, torch
import pandas as pd
from fastai.vision.all import *
from fastcore import test as fc
from torchvision.models import resnet18
from fixres_fastai import *
from fixres_fastai.cli import run_fixres

def _fitted(photos):
    set_seed(0)
    learn = vision_learner(get_dls(64, photos, bs=8), resnet18, pretrained=False, metrics=accuracy)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    return learn

def _state(learn): return {k:v.clone() for k,v in learn.model.state_dict().items()}

@pytest.fixture
def predictions(monkeypatch):
    "The number of images of each DataLoader the learners predict on (`Learner._outputs`, the one way outputs are predicted)"
    seen,orig = [],Learner._outputs
    def counted(self, dl, get_preds=None):
        seen.append(len(dl.dataset))
        return orig(self, dl, get_preds)
    monkeypatch.setattr(Learner, '_outputs', counted)
    return seen

def test_outputs_measured_once(photos, predictions):
    learn = _fitted(photos)
    m = SizeMeasures(learn)
    half = torch.arange(0, m.n, 2)
    o1 = m.outputs(80, half)            # predicts that half
    all_ = m.outputs(80)                # then only the other half
    again = m.outputs(80)
    fc.test_eq(predictions, [len(half), m.n-len(half)])
    assert m.has(80) and not m.has(96)
    fresh = learn._outputs(dls_at(learn.dls, 80).valid)
    fc.test_close(all_[0], fresh[0], eps=1e-5)
    fc.test_eq(all_[1][0], fresh[1][0])
    fc.test_eq(again[0], all_[0])
    fc.test_eq(o1[0], all_[0][half])
    with torch.no_grad(): learn.model[-1][-1].weight.mul_(2)     # other weights: other outputs
    assert not m.has(80)
    n = len(predictions)
    m.outputs(80)
    fc.test_eq(len(predictions), n+1)
    fc.test_eq(m.speed(80), m.speed(80))                          # measured once: the same figure
    st = get_random_states()
    m.outputs(96)                                                 # measuring draws no random number of the caller's
    fc.test_eq(random.getstate(), st['random_state']); assert torch.equal(torch.get_rng_state(), st['torch_state'])
    with pytest.raises(ValueError, match='`measures`'): learn.res_sweep([64], plot=False, measures=SizeMeasures(_fitted(photos)))
    with pytest.raises(ValueError, match='`measures`'): learn.fixres(96, measures=SizeMeasures(learn, learn.dls.train))

def test_sweep_reads_its_measures(photos):
    "The sweep's table comes from the shared outputs: the same figures as `validate`, and a second sweep predicts nothing"
    learn = _fitted(photos)
    m = SizeMeasures(learn)
    df = learn.res_sweep([64, 80], plot=False, show_progress=False, measures=m)
    with learn.no_bar(), learn.no_logging(): v = learn.validate(dl=dls_at(learn.dls, 80).valid)
    fc.test_close(df.set_index('size').loc[80, ['valid_loss', 'accuracy']].tolist(), [float(x) for x in v], eps=1e-5)
    assert m.has(64) and m.has(80)

@pytest.mark.parametrize('epochs', [1, 2])   # 2: trained on the frozen trunk's cached outputs
def test_fine_tuned_outputs_come_from_the_fit(photos, epochs, predictions):
    "`fixres(measures=)` keeps its fit's last validation pass: the fine-tuned outputs, not predicted again"
    learn = _fitted(photos)
    m = SizeMeasures(learn)
    with learn.no_bar(), learn.no_logging(): learn.fixres(96, epochs, measures=m, show=False)
    assert m.has(96) and not predictions
    fresh = learn._outputs(learn.dls.valid)
    got = m.outputs(96)
    fc.test_close(got[0], fresh[0], eps=1e-4)
    fc.test_eq(got[1][0], fresh[1][0])

def test_auto_reads_the_sweeps_outputs(photos, predictions):
    "With the sweep's measures, 'auto' predicts nothing again (its fine-tuned outputs come from the fits), and chooses the same, with the same scores and weights"
    res = []
    for share in (False, True):
        learn = _fitted(photos)
        m = SizeMeasures(learn)
        if share: learn.res_sweep([64, 80, 104, 128], plot=False, show_progress=False, measures=m)   # the sizes 'auto' tries from 64
        predictions.clear()
        set_seed(1)
        with learn.no_bar(), learn.no_logging(): r = learn.fixres('auto', 1, show=False, measures=m if share else None)
        res.append((r, _state(learn), list(predictions)))
    (r0,w0,p0),(r1,w1,p1) = res
    pd.testing.assert_frame_equal(r0.table.drop(columns=['img/s', 'fit s']), r1.table.drop(columns=['img/s', 'fit s']), rtol=1e-5)   # timings differ
    pd.testing.assert_frame_equal(r0.report.drop(columns='img/s'), r1.report.drop(columns='img/s'), rtol=1e-5)
    fc.test_eq(r0.size, r1.size)
    assert all(torch.equal(v, w1[k]) for k,v in w0.items())
    fc.test_eq(p1, [])   # every no-training output was the sweep's, every fine-tuned one its fit's last validation pass
    assert sum(p0) > 0

def test_finder_fine_tunes_at_every_size_and_changes_nothing(photos):
    "`fixres_find` fine-tunes at every size it tries, suggests the best fine-tuned, and leaves the learner bit for bit as it was, random streams included"
    learn = _fitted(photos)
    state,dls,opt,cbs = _state(learn),learn.dls,learn.opt,[type(c) for c in learn.cbs]
    rng = get_random_states()
    with learn.no_bar(), learn.no_logging(): r = learn.fixres_find(1, plot=False)
    assert all(torch.equal(v, state[k]) for k,v in learn.model.state_dict().items())
    assert learn.dls is dls and learn.opt is opt and [type(c) for c in learn.cbs] == cbs and 'fixres_size' not in learn.__dict__   # `no_bar` puts back a new bar
    now = get_random_states()
    assert now['random_state'] == rng['random_state'] and torch.equal(now['torch_state'], rng['torch_state'])
    assert (now['numpy_state'][1] == rng['numpy_state'][1]).all()
    fitted = r.table.set_index('size')['fine-tuned'].dropna()
    fc.test_eq(list(fitted.index), list(r.table['size']))   # the learner's own size too: the refit alone
    fc.test_eq(r.best, fitted.idxmax())              # the best fine-tuned, the smallest on ties
    assert (not r.tune and r.size == 64) or r.table.set_index('size').loc[r.size, 'gain'] > r.table.set_index('size').loc[r.size, 'se']
    epochs = []
    class Epochs(Callback):
        def before_fit(self): epochs.append(0)
        def before_epoch(self): epochs[-1] += 1
    with learn.no_bar(), learn.no_logging(): small = learn.fixres_find(1, n_train=10, sizes=[80], plot=False, cbs=Epochs())
    fc.test_eq(small.n_train, 10); fc.test_eq(list(small.table['size']), [64, 80])
    want = min(round(len(learn.dls.train_ds)/10), 4)   # on a sample, the steps of one epoch on every image, up to four passes
    fc.test_eq(small.epochs, want); fc.test_eq(epochs, [want, want])
    assert all(torch.equal(v, state[k]) for k,v in learn.model.state_dict().items())

def test_command_pipeline_last_row(photos):
    "`run_fixres`'s last row is the learner's own score at the size it predicts at, read from the shared outputs"
    learn = _fitted(photos)
    with learn.no_bar(), learn.no_logging():
        res = run_fixres(learn, 'auto', 1, sizes=[64, 80])
        v = learn.validate()
    fc.test_close(res['accuracy'].iloc[-1], float(v[1]), eps=1e-5)
    fc.test_eq(res['test size'].iloc[-1], learner_size(learn))

def test_fit_outputs_follow_the_weights_that_made_them(photos):
    "A callback that changes the weights after the last validation pass (`SaveModelCallback` loading the best epoch does): the pass's outputs are not served for the new weights"
    learn = _fitted(photos)
    m = SizeMeasures(learn)
    class Zero(Callback):
        def after_fit(self): self.learn.model[-1][-1].weight.data.zero_()
    with learn.no_bar(), learn.no_logging(): learn.fixres(96, 1, measures=m, cbs=Zero(), show=False)
    got,fresh = m.outputs(96),learn._outputs(learn.dls.valid)
    fc.test_close(got[0], fresh[0], eps=1e-5)
