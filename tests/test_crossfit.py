"The finder chooses on every validation image; what its choice is worth is cross-fitted: no image both chooses and scores."
import math, torch
from fastai.vision.all import *
from fastai.test_utils import synth_learner
from fastcore import test as fc
from torchvision.models import resnet18
from fixres_fastai import *
from fixres_fastai.measures import Score, _half_idxs
from fixres_fastai.finder import _cross_fit, _find_choice, _on

def _outputs(n=60, sizes=(64, 80, 96), seed=0):
    g = torch.Generator().manual_seed(seed)
    targ = torch.randint(0, 3, (n,), generator=g)
    rand = lambda: torch.randn(n, 3, generator=g)
    return (rand(), (targ,)), {s: (rand(), (targ,)) for s in sizes}, rand

def test_crossfit_uses_no_image_twice():
    "Each half's choice is blind to the other half's outputs, and is scored on the other half only, for every guard"
    base,outs,rand = _outputs()
    n,sc = len(base[0]),Score(synth_learner(), accuracy, lower_is_better=False)
    A,B = _half_idxs(n, 3)
    assert not set(A.tolist()) & set(B.tolist()) and len(A) + len(B) == n
    def changed(o, idx): x = o[0].clone(); x[idx] = rand()[idx]; return x, o[1]
    for guard in (1., 0., -math.inf):
        cf = _cross_fit(sc, 64, outs, base, guard, seed=3)
        fc.test_eq(list(cf['chosen on']), [f'A ({len(A)})', f'B ({len(B)})'])
        for k,(mine,other) in enumerate(((A, B), (B, A))):
            r = cf.iloc[k]
            fc.test_eq((r['size'], r['tune']), _find_choice(sc, 64, outs, base, guard, 3, idxs=mine)[:2])
            fc.test_close(r['chosen'], sc(*_on(outs[r['size']] if r['tune'] else base, other)))
            fc.test_close(r['as it was'], sc(*_on(base, other)))
            for _ in range(3):   # whatever the other half's outputs, this half chooses the same
                cf2 = _cross_fit(sc, 64, {s: changed(o, other) for s,o in outs.items()}, changed(base, other), guard, seed=3)
                fc.test_eq((cf2.iloc[k]['size'], cf2.iloc[k]['tune']), (r['size'], r['tune']))

def test_choice_is_made_on_every_image():
    "The suggestion is the rule applied to every validation image; the table's scores are on all of them"
    base,outs,_ = _outputs(seed=1)
    sc = Score(synth_learner(), accuracy, lower_is_better=False)
    size,tune,best,fitted,gains = _find_choice(sc, 64, outs, base, -math.inf)
    fc.test_eq(fitted, {s: sc(*o) for s,o in outs.items()})
    fc.test_eq((size, tune), (best, True))
    fc.test_eq(best, max(outs, key=lambda s: (fitted[s], -s)))

def test_finder_reports_its_worth(photos):
    "`fixres_find` shows the cross-fitted worth: two halves that split the validation set, each choosing as the rule does"
    set_seed(0)
    learn = vision_learner(get_dls(64, photos, bs=8), resnet18, pretrained=False, metrics=accuracy)
    with learn.no_bar(), learn.no_logging():
        learn.fit(1, 1e-3)
        r = learn.fixres_find(1, sizes=[80], plot=False)
    n = len(learn.dls.valid_ds)
    fc.test_eq(len(r.crossfit), 2)
    fc.test_eq([int(c.split('(')[1][:-1]) for c in r.crossfit['chosen on']], [n//2, n-n//2])
    g,se = r.worth
    fc.test_close(g, r.crossfit['gain'].mean())
    assert se >= 0 and 'cross-fitted' in repr(r) and 'worth' in repr(r)
    fc.test_eq(list(r.table['size']), [64, 80])
