"learn.fixres on real photos: only the last norm layer and the head change, and failures roll back."
import pytest, torch, warnings
from fastai.vision.all import *
from fastcore import test as fc
from torchvision.models import resnet18
from fixres_fastai import *

def _learner(photos, arch='resnet18', size=64, **kw):
    set_seed(0)
    dls = get_dls(size, photos, bs=8, **kw)
    if arch == 'resnet18': return vision_learner(dls, resnet18, pretrained=False, metrics=accuracy)
    if arch == 'xresnet18': return Learner(dls, xresnet18(n_out=dls.c), metrics=accuracy)
    if arch == 'timm': return vision_learner(dls, 'tf_efficientnet_lite0', pretrained=False, metrics=accuracy)
    if arch == 'syncbn': return Learner(dls, nn.SyncBatchNorm.convert_sync_batchnorm(resnet18(num_classes=dls.c)), metrics=accuracy)

def _state(learn): return {k:v.clone() for k,v in learn.model.state_dict().items()}
def _changed(learn, before): return {k for k,v in learn.model.state_dict().items() if not torch.equal(v, before[k])}
def _flags(learn): return [p.requires_grad for p in learn.model.parameters()]

@pytest.mark.parametrize('arch,norm,head', [('resnet18', '0.7.1.bn2', '1.'), ('xresnet18', '7.1.convpath.1.1', '11.'),
                                            ('timm', '0.model.bn2', '1.'), ('syncbn', 'layer4.1.bn2', 'fc.')])
def test_only_last_norm_and_head_change(photos, arch, norm, head):
    learn = _learner(photos, arch)
    learn.fit(1, 1e-3)                        # leaves zero-filled .grad tensors everywhere
    learn.freeze()                            # and flags that must come back as they were
    before,flags = _state(learn),_flags(learn)
    learn.fixres(96, 1)
    changed = _changed(learn, before)
    assert changed, 'nothing trained'
    assert all(k.startswith(norm+'.') or k.startswith(head) for k in changed), sorted(changed)
    assert {f'{norm}.running_mean', f'{norm}.running_var', f'{norm}.weight'} <= changed
    fc.test_eq(_flags(learn), flags)
    fc.test_eq(learn.fixres_size, 96)
    fc.test_eq(learn.dls.valid.one_batch()[0].shape[-2:], (96, 96))

def test_modes_and_no_graph_through_body(photos):
    learn = _learner(photos)
    seen = {}
    class Spy(Callback):
        run_after = FixResCallback
        def after_pred(self):
            if self.training:
                seen['train'] = {n for n,m in self.model.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.training}
                seen['grad'] = {n for n,p in self.model.named_parameters() if p.requires_grad}
    body_out = []
    h = learn.model[0][7][1].conv2.register_forward_hook(lambda m,i,o: body_out.append(o.requires_grad))
    learn.fixres(80, 1, cbs=Spy())
    h.remove()
    fc.test_eq(seen['train'], {'0.7.1.bn2', '1.2', '1.6'})          # the last norm layer and the head's BatchNorm1d
    assert all(n.startswith('0.7.1.bn2.') or n.startswith('1.') for n in seen['grad'])
    assert body_out and not any(body_out)
    assert all(p.grad is None for n,p in learn.model.named_parameters() if n.startswith('0.') and not n.startswith('0.7.1.bn2'))

@pytest.mark.parametrize('exc', [KeyboardInterrupt, RuntimeError])
def test_failure_rolls_back_everything(photos, exc):
    learn = _learner(photos)
    learn.fit(1, 1e-3)
    before,flags = _state(learn),_flags(learn)
    grads = [p.grad for p in learn.model.parameters()]
    dls,opt,cbs,losses = learn.dls,learn.opt,L(learn.cbs),list(learn.recorder.losses)
    modes = [m.training for m in learn.model.modules()]
    class Fail(Callback):
        def after_loss(self):
            if self.train_iter == 3: raise exc('boom')
    with pytest.raises(exc): learn.fixres(96, 2, cbs=Fail())
    assert not _changed(learn, before)
    assert learn.dls is dls and learn.opt is opt
    fc.test_eq(learn.cbs, cbs); fc.test_eq(learn.recorder.losses, losses)
    fc.test_eq(_flags(learn), flags)
    assert all(a is b for a,b in zip([p.grad for p in learn.model.parameters()], grads))
    fc.test_eq([m.training for m in learn.model.modules()], modes)
    assert 'fixres_size' not in learn.__dict__

def test_cancel_fit_keeps_what_was_trained(photos):
    learn = _learner(photos)
    before = _state(learn)
    class Stop(Callback):
        def after_batch(self):
            if self.train_iter == 2: raise CancelFitException
    learn.fixres(96, 3, cbs=Stop())
    assert '0.7.1.bn2.weight' in _changed(learn, before)
    fc.test_eq(learn.fixres_size, 96)

def test_bad_input_changes_nothing(photos):
    learn = _learner(photos)
    before,dls = _state(learn),learn.dls
    for kw,msg in [(dict(size=-5), '`size`'), (dict(size='288'), '`size`'), (dict(size=True), '`size`'),
                   (dict(size=96, epochs=1.5), '`epochs`'), (dict(size=96, train_aug='x'), '`train_aug`'),
                   (dict(size=96, norm='nope'), '`norm`'), (dict(size=96, dls=[1]), '`dls`')]:
        with pytest.raises(ValueError, match=msg): learn.fixres(**kw)
    assert not _changed(learn, before) and learn.dls is dls

def test_norm_errors_come_before_the_fit(photos):
    "A bad `norm`, or a model with no norm layer: the real message, raised before the fit (not wrapped by fastai's callback error)"
    learn = _learner(photos)
    with pytest.raises(ValueError) as e: learn.fixres(96, norm='nope')
    assert str(e.value).startswith('`norm` must be a module') and 'Exception occured' not in str(e.value)
    dls = learn.dls
    plain = Learner(dls, nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, dls.c)))
    before = _state(plain)
    with pytest.raises(ValueError) as e: plain.fixres(96)
    assert 'has no normalization layer before its global pooling' in str(e.value) and 'Exception occured' not in str(e.value)
    assert not _changed(plain, before) and plain.dls is dls and not any(isinstance(c, FixResCallback) for c in plain.cbs)

def test_dls_given_are_used_as_given(photos):
    dls = ImageDataLoaders.from_folder(photos, item_tfms=Resize(64), bs=8)
    learn = vision_learner(dls, resnet18, pretrained=False)
    given = get_dls(96, photos, bs=8, train_aug='test')
    learn.fixres(96, 1, dls=given)
    assert learn.dls is given
    fc.test_eq(learn.fixres_size, 96)

def test_smaller_size_warns(photos):
    learn = _learner(photos, size=96)
    with pytest.warns(UserWarning, match='smaller'): learn.fixres(64, 1, train='stats')

def test_stats_and_head_modes(photos):
    learn = _learner(photos)
    learn.fit(1, 1e-3)
    before = _state(learn)
    learn.fixres(96, 1, train='stats')
    fc.test_eq(_changed(learn, before), {'0.7.1.bn2.running_mean', '0.7.1.bn2.running_var', '0.7.1.bn2.num_batches_tracked'})
    before = _state(learn)
    learn.fixres(112, 1, train='head+stats')
    changed = _changed(learn, before)
    assert '0.7.1.bn2.running_mean' in changed and '0.7.1.bn2.weight' not in changed
    before = _state(learn)
    learn.fixres(128, 1, train='head')
    assert all(k.startswith('1.') for k in _changed(learn, before))

def test_stats_are_exact_average(photos):
    "With a frozen body the norm's input is stationary: its statistics are the plain mean over every image"
    learn = _learner(photos, flip=False)      # the same images in both passes
    learn.fixres(96, 1, train='stats')
    bn = learn.model[0][7][1].bn2
    feats = []
    h = bn.register_forward_hook(lambda m,i,o: feats.append(i[0]))
    learn.model.eval()
    with torch.no_grad():
        for xb,_ in dls_at(learn.dls, 96, train_aug='test').train.new(shuffle=False, drop_last=False): learn.model(xb)   # what it fine-tuned on
    h.remove()
    means = torch.stack([f.mean((0,2,3)) for f in feats])
    fc.test_close(bn.running_mean, means.mean(0), eps=1e-4)

def test_train_from_trains_more(photos):
    learn = _learner(photos)
    before = _state(learn)
    learn.fixres(96, 1, train_from='0.7.1')
    changed = _changed(learn, before)
    assert any(k.startswith('0.7.1.conv1') for k in changed)
    assert not any(k.startswith('0.7.0') for k in changed)

def test_channels_last(photos):
    learn = _learner(photos).to_channelslast(use_amp=False)
    before = _state(learn)
    learn.fixres(96, 1)
    assert all(k.startswith('0.7.1.bn2.') or k.startswith('1.') for k in _changed(learn, before))

def test_export_round_trip(photos, tmp_path):
    learn = _learner(photos)
    learn.fit(1, 1e-3)
    learn.fixres(96, 1)
    learn.export(tmp_path/'export.pkl')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        learn2 = load_learner(tmp_path/'export.pkl')
    fc.test_eq(learner_size(learn2), 96)
    dl = learn.dls.test_dl(get_image_files(photos/'valid'))
    p1,_ = learn.get_preds(dl=dl)
    p2,_ = learn2.get_preds(dl=learn2.dls.test_dl(get_image_files(photos/'valid')))
    fc.test_close(p1, p2, eps=1e-5)

def _fitted(photos, metrics):
    "The ResNet-18 learner with `metrics` in place of accuracy, trained one epoch"
    learn = _learner(photos)
    learn.metrics = metrics
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    return learn

@pytest.mark.parametrize('metrics', [[accuracy], [F1Score(average='macro')], []])
def test_scores_from_outputs_match_validate(photos, metrics):
    "'auto' scores from the model's outputs: the same figure `validate` gives for a fastai metric (averaged or accumulated) and the loss"
    from fixres_fastai.measures import Score
    learn = _fitted(photos, metrics)
    with learn.no_bar(), learn.no_logging(): v = learn.validate()
    out = learn._outputs(learn.dls.valid)
    fc.test_close(Score(learn, 'valid_loss')(*out), v[0], eps=1e-5)
    if metrics: fc.test_close(Score(learn)(*out), v[1], eps=1e-5)

@pytest.mark.slow
@pytest.mark.parametrize('metrics', [[F1Score(average='macro')], []])
def test_auto_guards_on_any_metric(photos, metrics):
    "'auto' with an accumulated metric, or none (the loss, lower is better): a size it keeps gained over the learner as it was"
    learn = _fitted(photos, metrics)
    with learn.no_bar(), learn.no_logging(): r = learn.fixres('auto', 1, show=False)
    rep = r.report.set_index('option')
    assert (learn.metrics[0].name if metrics else 'valid_loss') in rep.columns
    fc.test_eq(rep.loc['as it was', ['gain', 'se']].tolist(), [0., 0.])
    t = r.table.set_index('size')
    assert not r.tune or t.loc[r.size, 'gain'] > 0   # the default guard: any gain
    fc.test_eq(learner_size(learn), r.size)

@pytest.mark.slow
def test_auto_shows_throughput_and_obeys_its_bounds(photos):
    "The finder measures images per second at every size, and `max_size` / `min_speed` rule sizes out, in the table, before scoring them"
    learn = _learner(photos)
    learn.fit(1, 1e-3)
    before,dls = _state(learn),learn.dls
    for kw,msg in [(dict(max_size=0), '`max_size`'), (dict(min_speed=-1), '`min_speed`'), (dict(min_speed=True), '`min_speed`')]:
        with pytest.raises(ValueError, match=msg): learn.fixres('auto', **kw)
        with pytest.raises(ValueError, match=msg): learn.fixres_find(**kw)
    with pytest.raises(ValueError, match="steer the search"): learn.fixres(96, max_size=128)
    assert not _changed(learn, before) and learn.dls is dls
    r = learn.fixres('auto', 1, max_size=80, show=False)
    sc = r.table
    assert (sc['img/s'] > 0).all() and (r.report['img/s'] > 0).all()
    out = sc[sc['size'] > 80]
    assert len(out) and out['note'].str.contains('ruled out: > max_size').all() and out['no training'].isna().all() and out['fine-tuned'].isna().all()
    assert r.size <= 80 and r.best <= 80
    r = learn.fixres_find(1, min_speed=1e12, plot=False)   # every larger size too slow: the refit at the learner's own size alone
    assert r.table['note'].iloc[1:].str.contains('ruled out: <').all() and r.table['fine-tuned'].notna().tolist() == [True]+[False]*(len(r.table)-1)
    fc.test_eq(r.size, r.trained_at)

def test_best_of_sweep_judges_by_the_loss_without_metrics(photos):
    "A learner without metrics: the sweep's table is size, valid_loss, img/s, and the best size is the lowest loss, not the fastest"
    set_seed(0)
    learn = vision_learner(get_dls(64, photos, bs=8), resnet18, pretrained=False)
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    df = learn.res_sweep([48, 64, 80], plot=False, show_progress=False)
    assert list(df.columns) == ['size', 'valid_loss', 'img/s']
    metric,best = best_of_sweep(df)
    assert metric == 'valid_loss' and best['valid_loss'] == df['valid_loss'].min()
