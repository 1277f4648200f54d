"The frozen-trunk cache: the same weights as training through the whole model, never used where it would be wrong, nothing left behind."
import pytest, torch, warnings, tempfile
from fastai.vision.all import *
from fastcore import test as fc
from torchvision.models import resnet18
from fixres_fastai import *
import fixres_fastai.cache as cache_mod
from fixres_fastai.callback import world_size

def _learner(photos, arch=resnet18, **kw):
    set_seed(0)
    dls = get_dls(64, photos, bs=8, num_workers=0)
    return vision_learner(dls, arch, pretrained=False, metrics=accuracy, ps=0.5, **kw)   # dropout: the masks must match too

def _fixres(learn, *args, **kw):
    set_seed(1)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        learn.fixres(*args, **kw)
    return {k:v.clone() for k,v in learn.model.state_dict().items()}, [str(x.message) for x in w]

def _leftovers(): return list(Path(tempfile.gettempdir()).glob('fixres_cache_*'))

@pytest.mark.parametrize('arch,ram', [(resnet18, 4.),                  # a residual after the norm layer, in RAM
                                      pytest.param('tf_efficientnet_lite0', 4., marks=pytest.mark.slow),   # timm's BatchNormAct2d
                                      pytest.param(resnet18, 0., marks=pytest.mark.slow),                  # memory-mapped on disk
                                      pytest.param('tf_efficientnet_lite0', 0., marks=pytest.mark.slow)])
def test_cached_fit_gives_the_same_weights(photos, capsys, monkeypatch, arch, ram):
    monkeypatch.setattr(cache_mod, '_cpu_layout', None)   # the model's own memory layout: the same kernels as the fit through the whole model
    plain,_ = _fixres(_learner(photos, arch), 96, 3, cache=False)
    assert 'FixRes cache' not in capsys.readouterr().out
    learn = _learner(photos, arch)
    model,opt_before = learn.model,learn.opt
    cached,msgs = _fixres(learn, 96, 3, cache_ram=ram)
    out = capsys.readouterr().out
    assert 'FixRes cache: the frozen part runs once on 36 + 18 images' in out and ('on disk' in out) == (ram == 0), out
    assert not [m for m in msgs if 'cache' in m], msgs
    for k in plain: fc.test_close(cached[k].float(), plain[k].float(), eps=1e-6)
    assert learn.model is model and isinstance(learn.dls.train, TfmdDL)
    fc.test_eq(learn.dls.valid.one_batch()[0].shape[-2:], (96, 96))
    fc.test_eq(_leftovers(), [])

def test_fast_layout_is_close_and_undone(photos):
    "On the CPU the cache's pass runs channels-last: the same weights to float rounding, and the model's own tensors back after"
    plain,_ = _fixres(_learner(photos), 96, 3, cache=False)
    learn = _learner(photos)
    data = {id(p): p.data for p in learn.model.parameters()}
    cached,_ = _fixres(learn, 96, 3)
    for k in plain: fc.test_close(cached[k].float(), plain[k].float(), eps=1e-3)
    assert all(p.is_contiguous() for p in learn.model.parameters())
    assert all(p.data.data_ptr() == data[id(p)].data_ptr() for p in learn.model.parameters())   # each tensor's own storage

def test_one_epoch_does_not_cache(photos, capsys):
    _fixres(_learner(photos), 96, 1)
    assert 'FixRes cache' not in capsys.readouterr().out

@pytest.mark.parametrize('setup,why', [(dict(train_aug='train'), 'the training images change each epoch'),
                                       (dict(cbs=MixUp()), 'MixUp mixes the images')])
def test_never_on_random_images(photos, capsys, setup, why):
    _,msgs = _fixres(_learner(photos), 96, 2, cache=True, **setup)
    assert 'FixRes cache:' not in capsys.readouterr().out
    assert any(why in m for m in msgs), msgs
    _,msgs = _fixres(_learner(photos), 96, 2, **setup)          # by default: off without a word
    assert not [m for m in msgs if 'cache' in m], msgs

def test_never_in_a_distributed_run(photos, monkeypatch):
    learn = _learner(photos)
    learn.dls = dls_at(learn.dls, 96, train_aug='test')
    fcb = FixResCallback()
    assert cache_mod._why_not(learn, fcb) is None
    monkeypatch.setattr(cache_mod, 'world_size', lambda: 2)
    assert 'distributed' in cache_mod._why_not(learn, fcb)

def test_a_model_that_cannot_be_cut_trains_as_before(photos, capsys):
    learn = _learner(photos, 'vit_tiny_patch16_224', dynamic_img_size=True)
    before = {k:v.clone() for k,v in learn.model.state_dict().items()}
    _,msgs = _fixres(learn, 96, 2)
    fc.test_eq(len([m for m in msgs if m.startswith('FixRes cache off: torch.fx cannot trace')]), 1)
    assert 'FixRes cache:' not in capsys.readouterr().out
    changed = {k for k,v in learn.model.state_dict().items() if not torch.equal(v, before[k])}
    assert changed and all(k.startswith(('0.model.norm.', '1.')) for k in changed), sorted(changed)

@pytest.mark.parametrize('exc', [KeyboardInterrupt, RuntimeError])
def test_failure_in_a_cached_fit_rolls_back(photos, exc):
    learn = _learner(photos)
    model,dls = learn.model,learn.dls
    before = {k:v.clone() for k,v in model.state_dict().items()}
    class Fail(Callback):
        def after_loss(self):
            if self.epoch == 1 and self.train_iter == 6:
                assert type(self.learn.model).__name__ == 'GraphModule'   # the cached top is training
                raise exc('boom')
    with pytest.raises(exc): learn.fixres(96, 2, cbs=Fail())
    assert learn.model is model and learn.dls is dls
    assert all(torch.equal(v, before[k]) for k,v in model.state_dict().items())
    fc.test_eq(_leftovers(), [])

def test_bad_cache_arguments(photos):
    learn = _learner(photos)
    for kw,msg in [(dict(cache='yes'), '`cache`'), (dict(cache_ram=-1), '`cache_ram`'), (dict(cache_ram='4'), '`cache_ram`')]:
        with pytest.raises(ValueError, match=msg): learn.fixres(96, 2, **kw)

@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_gpu_fp16_cache_is_float16(photos, capsys):
    def run(cache):
        set_seed(0)
        learn = vision_learner(get_dls(64, photos, bs=8, num_workers=0, device='cuda'), resnet18, pretrained=False, ps=0.).to_fp16()
        set_seed(1)
        learn.fixres(96, 3, cache=cache)
        return {k:v.float().cpu() for k,v in learn.model.state_dict().items()}
    plain,cached = run(False),run(True)
    assert 'float16' in capsys.readouterr().out
    for k in plain: fc.test_close(cached[k], plain[k], eps=1e-3)

@pytest.mark.slow
def test_finder_scores_the_same_from_the_cache(photos):
    "The finder's scores with no training and after two epochs of fine-tuning: from a cache of the trunk, the same figures"
    tables = []
    for cache in (False, None):
        learn = _learner(photos)
        with learn.no_bar(), learn.no_logging(): tables.append(learn.fixres_find(2, cache=cache, plot=False).table)
    fc.test_eq(tables[0]['size'].tolist(), tables[1]['size'].tolist())
    for col in ('no training', 'fine-tuned'): fc.test_close(np.nan_to_num(tables[1][col].values), np.nan_to_num(tables[0][col].values), eps=1e-6)

def test_show_false_prints_nothing(photos, capsys):
    "The command line's `--quiet` prints only its table: `show=False` keeps the cache's line out too"
    _fixres(_learner(photos), 96, 2, show=False)
    assert 'FixRes cache' not in capsys.readouterr().out

def test_joined_cache_puts_each_row_in_its_place():
    "'auto' joins the finder's cache of a sample with the trunk's outputs on the other images: one cache in item order"
    T = cache_mod._TrunkCache
    feats = [torch.arange(6.).view(6, 1, 1)]
    def part(idxs):
        c = T(len(idxs), feats)
        c.xs[0][:] = feats[0][idxs]; c.ys = [torch.tensor(idxs)]
        return c
    a,b = part([0, 2, 5]),part([1, 3, 4])
    j = T.joined(6, [(a, [0, 2, 5]), (b, [1, 3, 4])])
    fc.test_eq(j.xs[0].flatten(), feats[0].flatten()); fc.test_eq(j.ys[0], torch.arange(6))
    fc.test_fail(lambda: T.joined(7, [(a, [0, 2, 5]), (b, [1, 3, 4])]), contains='the parts cover 6 of the 7 items')

@pytest.mark.parametrize('ram', [4., 0.])
def test_trunk_caches_know_and_free_their_memory(photos, ram):
    "`TrunkCaches` knows its bytes and its temporary folders, and frees both on close, on a normal end and when a fill is interrupted"
    learn = _learner(photos)
    dl = learn.dls.valid.new(shuffle=False)
    names = FixResCallback().names(*FixResCallback().parts(learn.model, *learn.dls.one_batch()[:1]))
    with cache_mod._fill_cache(learn.model, [dl], names, ram=ram, verbose=False) as c:
        assert c.nbytes == sum(t.numel()*t.element_size() for t in c.caches[0].xs) > 0
        fc.test_eq(len(c.dirs), 0 if ram else 1)
        assert all(Path(d).exists() for d in c.dirs)
    assert c.caches == [] and _leftovers() == []
    calls = []
    def stop(self, *args, **kw):
        calls.append(1)
        raise KeyboardInterrupt
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cache_mod._TrunkCache, 'fill', stop)
        with pytest.raises(KeyboardInterrupt): cache_mod._fill_cache(learn.model, [dl], names, ram=ram, verbose=False)
    assert calls and _leftovers() == []
