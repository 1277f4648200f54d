"The finder, 'auto' and the sweep judge by the metric's own direction: lower is better for a regression's rmse and mae, and for a loss."
import math, pytest, warnings
from fastai.vision.all import *
from fastcore import test as fc
from torchvision.models import resnet18
from fixres_fastai import *
from fixres_fastai.measures import Score, lower_is_better

def _regression(photos, metrics):
    "An image regression learner (`RegressionBlock`): each photo's class index as a number to predict"
    names = sorted(p.name for p in (photos/'train').iterdir())
    dblock = DataBlock(blocks=(ImageBlock, RegressionBlock), get_items=get_image_files, splitter=GrandparentSplitter(valid_name='valid'),
                       get_y=lambda f: float(names.index(f.parent.name)), item_tfms=Resize(64))
    set_seed(0)
    learn = vision_learner(dblock.dataloaders(photos, bs=8), resnet18, pretrained=False, metrics=metrics, n_out=1)
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(2, 1e-3)
    return learn

@pytest.mark.parametrize('metric', [rmse, mae])
def test_finder_suggests_the_lowest_error(photos, metric):
    "On a regression judged by rmse (or mae), the best fine-tuned size is the one with the lowest value, and a gain is what a size saves"
    learn = _regression(photos, [metric])
    with learn.no_bar(), learn.no_logging(): r = learn.fixres_find(1, sizes=[80, 96], guard=-math.inf, plot=False)
    t = r.table.set_index('size')
    assert r.lower and r.metric == learn.metrics[0].name
    fc.test_eq(r.best, t['fine-tuned'].idxmin())
    fc.test_eq((r.size, r.tune), (r.best, True))
    fc.test_close(t['gain'].values, (t.loc[64, 'no training'] - t['fine-tuned']).values, eps=1e-5)
    fc.test_eq(r.suggest(-math.inf), (r.best, True, 'norm+head'))

def test_auto_keeps_a_size_only_if_it_lowers_the_error(photos):
    "'auto' on a regression: a size it keeps scored lower than the learner as it was on the validation set, by more than the guard"
    learn = _regression(photos, [rmse, mae])
    with learn.no_bar(), learn.no_logging(): r = learn.fixres('auto', 1, sizes=[80], metric='mae', show=False)
    rep = r.report.set_index('option')
    t = r.table.set_index('size')
    assert r.metric == 'mae' and 'mae' in rep.columns
    if r.tune: assert t.loc[r.size, 'fine-tuned'] < t.loc[64, 'no training'] and t.loc[r.size, 'gain'] > 0
    fc.test_eq(learner_size(learn), r.size)

def test_sweep_best_is_the_lowest_error(photos):
    learn = _regression(photos, [rmse])
    df = learn.res_sweep([48, 64, 80], plot=False, show_progress=False)
    metric,best = best_of_sweep(df)
    assert metric == learn.metrics[0].name and best[metric] == df[metric].min()

def test_metric_arguments(photos):
    "A metric named that the learner lacks, or a direction that is not a bool, is refused; a metric of the user's own warns unless told its direction"
    learn = _regression(photos, [rmse])
    with pytest.raises(ValueError, match='`metric`'): learn.fixres_find(1, metric='accuracy', plot=False)
    with pytest.raises(ValueError, match='`lower_is_better`'): learn.fixres_find(1, lower_is_better='yes', plot=False)
    with pytest.raises(ValueError, match='`lower_is_better`'): learn.fixres('auto', 1, lower_is_better=1)
    with pytest.raises(ValueError, match='steer the search'): learn.fixres(80, 1, metric='rmse')
    def wrongness(inp, targ): return (inp.squeeze()-targ).abs().mean()
    with pytest.warns(UserWarning, match='direction is not known'): assert not Score(learn, wrongness).lower
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert Score(learn, wrongness, lower_is_better=True).lower and Score(learn, 'rmse').lower
    assert all(lower_is_better(n) for n in ('_rmse', 'mae', 'mse', 'msle', '_exp_rmspe', 'error_rate', 'valid_loss'))
    assert not any(lower_is_better(n) for n in ('accuracy', 'r2_score', 'f1_score', 'top_k_accuracy'))
