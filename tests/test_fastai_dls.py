"FixRes on the learners users already have: fastai's own DataLoaders (every constructor, presizing, multi-label), timm and torchvision models, and learners from `load_learner`."
import pytest, torch, warnings, re
from fastai.vision.all import *
from fastcore import test as fc
from torchvision.models import resnet18
from fixres_fastai import *
from fixres_fastai.data import _out_size
from fixres_fastai.resolution import _monte_carlo_ratio

def _table(photos):
    fns = get_image_files(photos)
    return pd.DataFrame(dict(fname=[str(f.relative_to(photos)) for f in fns], label=[f.parent.name for f in fns],
                             is_valid=[f.parent.parent.name == 'valid' for f in fns]))

def _pipelines(photos, kind):
    "One fastai pipeline of each kind users build, on real photos, training at 64 px"
    fns,df = get_image_files(photos),_table(photos)
    valid = lambda o: Path(o).parent.parent.name == 'valid'
    if kind == 'from_folder+Resize+aug_min_scale':   # the example: item Resize, RandomResizedCropGPU in aug_transforms
        return ImageDataLoaders.from_folder(photos, valid='valid', item_tfms=Resize(96), batch_tfms=aug_transforms(size=64, min_scale=0.75), bs=8)
    if kind == 'presizing': return ImageDataLoaders.from_folder(photos, valid='valid', item_tfms=Resize(160), batch_tfms=aug_transforms(size=64), bs=8)
    if kind == 'from_df+RandomResizedCrop':
        return ImageDataLoaders.from_df(df, photos, fn_col='fname', label_col='label', valid_col='is_valid', item_tfms=RandomResizedCrop(64, min_scale=0.35), bs=8)
    if kind == 'from_csv+squish':
        df.to_csv(photos/'labels.csv', index=False)
        return ImageDataLoaders.from_csv(photos, 'labels.csv', valid_col='is_valid', item_tfms=Resize(64, method='squish'), bs=8)
    if kind == 'from_name_func+pad':
        return ImageDataLoaders.from_name_func(photos, fns, lambda o: Path(o).parent.name, valid_pct=0.3, seed=0,
                                               item_tfms=Resize(64, method='pad', pad_mode='zeros'), bs=8)
    if kind == 'from_path_re':
        return ImageDataLoaders.from_path_re(photos, fns, r'/([^/]+)/\d+\.jpg$', valid_pct=0.3, seed=0, item_tfms=Resize(64), bs=8)
    if kind == 'from_lists': return ImageDataLoaders.from_lists(photos, fns, [f.parent.name for f in fns], valid_pct=0.3, seed=0, item_tfms=Resize(64), bs=8)
    if kind == 'DataBlock+RandomResizedCropGPU':
        return DataBlock(blocks=(ImageBlock, CategoryBlock), get_items=get_image_files, splitter=FuncSplitter(valid), get_y=parent_label,
                         item_tfms=Resize(80), batch_tfms=[RandomResizedCropGPU(64, min_scale=0.35), Normalize.from_stats(*imagenet_stats)]).dataloaders(photos, bs=8)
    if kind == 'multi-label':
        df['label'] = df['label'] + np.where(np.arange(len(df)) % 2, ' odd', '')
        return DataBlock(blocks=(ImageBlock, MultiCategoryBlock), get_x=ColReader('fname', pref=f'{photos}/'), get_y=ColReader('label', label_delim=' '),
                         splitter=ColSplitter('is_valid'), item_tfms=Resize(64)).dataloaders(df, bs=8)
    if kind == 'get_dls': return get_dls(64, photos, bs=8)

kinds = ['from_folder+Resize+aug_min_scale', 'presizing', 'from_df+RandomResizedCrop', 'from_csv+squish', 'from_name_func+pad',
         'from_path_re', 'from_lists', 'DataBlock+RandomResizedCropGPU', 'multi-label', 'get_dls']

def _state(learn): return {k:v.clone() for k,v in learn.model.state_dict().items()}
def _changed(learn, before): return {k for k,v in learn.model.state_dict().items() if not torch.equal(v, before[k])}
def _unsized(dl):
    "Every transform of `dl` with its attributes, the sizes left out"
    drop = ('size', 'cp_size', 'final_size', 'orig_sz', 'tl', 'pcts', 'split_idx', 'do', 'mat', 'min_side')
    return [(type(t).__name__, {k:repr(v) for k,v in vars(t).items() if k not in drop and not k.startswith('_')}) for t in L(dl.after_item.fs)+L(dl.after_batch.fs)]

@pytest.mark.parametrize('kind', kinds)
def test_fixres_on_fastai_pipelines(photos, kind, tmp_path):
    dls = _pipelines(photos, kind)
    multi = kind == 'multi-label'
    set_seed(0)
    learn = vision_learner(dls, resnet18, pretrained=False, metrics=accuracy_multi if multi else accuracy)
    fc.test_eq(learner_size(learn), 64)
    before,train_tfms,valid_tfms = _state(learn),_unsized(dls.train),_unsized(dls.valid)
    learn.fixres(96, 1)
    changed = _changed(learn, before)
    assert changed and all(k.startswith(('0.7.1.bn2.', '1.')) for k in changed), sorted(changed)      # only the last norm and the head
    fc.test_eq(learner_size(learn), 96)
    fc.test_eq(learn.dls.valid.one_batch()[0].shape[-2:], (96, 96))
    fc.test_eq(_unsized(learn.dls.train), train_tfms); fc.test_eq(_unsized(learn.dls.valid), valid_tfms)   # the other transforms as they were
    fc.test_eq(learn.dls.vocab, dls.vocab)
    fc.test_eq((len(learn.dls.train_ds), len(learn.dls.valid_ds)), (len(dls.train_ds), len(dls.valid_ds)))
    assert learn.dls.train_ds.split_idx == 0 and learn.dls.device == dls.device   # the learner keeps its own training pipeline
    fc.test_eq(learner_size(Learner(dls, learn.model)), 64)                          # the user's DataLoaders are untouched
    files = get_image_files(photos/'valid')[:5]
    tdl = learn.dls.test_dl(files)
    fc.test_eq(tdl.one_batch()[0].shape, (5, 3, 96, 96))
    fc.test_eq(learn.get_preds(dl=tdl)[0].shape, (5, dls.c))
    learn.export(tmp_path/'export.pkl')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        loaded = load_learner(tmp_path/'export.pkl')
    fc.test_eq(learner_size(loaded), 96)
    fc.test_close(loaded.get_preds(dl=loaded.dls.test_dl(files))[0], learn.get_preds(dl=tdl)[0], eps=1e-5)
    loaded.predict(files[0])
    # the theory reads this pipeline as a Monte Carlo of its real transforms measures it
    kw = read_pipeline(dls); kw.pop('train_size')
    fc.test_close(apparent_size_ratio(**kw), _monte_carlo_ratio(dls, aspect=kw['aspect'], n=2000), eps=0.01)

def test_fine_tuning_data_go_through_the_validation_transforms(photos):
    dls = _pipelines(photos, 'presizing')
    t = dls_at(dls, 96, train_aug='test')
    assert t.train.shuffle and t.train_ds.split_idx == 1 and dls.train_ds.split_idx == 0
    a,b = [t.train.new(shuffle=False).one_batch()[0] for _ in range(2)]
    fc.test_close(a, b)                                                  # deterministic: no flip, zoom, rotation or lighting
    fc.test_close(a, t.valid.new(dataset=t.train_ds, shuffle=False).one_batch()[0])

def test_unknown_size_transform_is_named(photos):
    dls = ImageDataLoaders.from_folder(photos, valid='valid', item_tfms=[RatioResize(80), Resize(64)], bs=8)
    learn = vision_learner(dls, resnet18, pretrained=False)
    before = _state(learn)
    with pytest.raises(ValueError, match=r'RatioResize.*pass `dls=`'): learn.fixres(96, 1)
    assert not _changed(learn, before) and learn.dls is dls

@pytest.mark.parametrize('arch,norm', [('convnext_atto', '0.model.stages.3.blocks.1.norm'), ('regnetx_002', '0.model.s4.b7.conv3.bn'),
                                       ('efficientnet_b0', '0.model.bn2')])
def test_timm_names(photos, arch, norm):
    learn = vision_learner(_pipelines(photos, 'presizing'), arch, pretrained=False, metrics=accuracy)
    before = _state(learn)
    learn.fixres(96, 1)
    changed = _changed(learn, before)
    assert any(k.startswith(norm+'.') for k in changed) and all(k.startswith((norm+'.', '1.')) for k in changed), sorted(changed)
    fc.test_eq(learner_size(learn), 96)

def test_fixed_size_vit_is_refused_and_dynamic_one_works(photos):
    dls = _pipelines(photos, 'presizing')
    vit = vision_learner(dls, 'vit_tiny_patch16_224', pretrained=False)
    before = _state(vit)
    with pytest.raises(ValueError, match='dynamic_img_size=True'): vit.fixres(96, 1)
    assert not _changed(vit, before) and vit.dls is dls
    vit = vision_learner(dls, 'vit_tiny_patch16_224', pretrained=False, dynamic_img_size=True)
    vit.fixres(96, 1)
    fc.test_eq(learner_size(vit), 96)

def test_load_learner_gets_a_way_to_give_data(photos, tmp_path):
    dls = _pipelines(photos, 'from_df+RandomResizedCrop')
    learn = vision_learner(dls, resnet18, pretrained=False, metrics=accuracy)
    learn.export(tmp_path/'export.pkl')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        loaded = load_learner(tmp_path/'export.pkl')
    before = _state(loaded)
    with pytest.raises(ValueError, match='hold no images.*`dls=`'): loaded.fixres(96, 1)
    with pytest.raises(ValueError, match='hold no images.*`dl=learn.dls.test_dl'): loaded.res_sweep([64, 96])
    with pytest.raises(ValueError, match='`aspect=`'): recommend_test_size(loaded.dls)
    fc.test_eq(recommend_test_size(loaded.dls, aspect=1.), recommend_test_size(dls))
    assert not _changed(loaded, before)
    rows = _table(photos).query('is_valid')      # a table learner's test_dl takes rows of its table
    df = loaded.res_sweep([64, 96], dl=loaded.dls.test_dl(rows, with_labels=True), plot=False)
    fc.test_eq(list(df['size']), [64, 96])
    with pytest.raises(ValueError, match='no labels'): loaded.res_sweep([64], dl=loaded.dls.test_dl(rows), plot=False)
    fc.test_eq(loaded.multires_preds([64, 96], dl=loaded.dls.test_dl(rows))[0].shape, (len(rows), 3))
    loaded.fixres(96, 1, dls=dls_at(dls, 96, train_aug='test'))
    fc.test_eq(learner_size(loaded), 96)

def test_get_dls_multi_label(photos):
    df = _table(photos)
    df['label'] = df['label'] + np.where(np.arange(len(df)) % 2, ' odd', '')
    dls = get_dls(64, df, path=photos, fn_col='fname', label_col='label', label_delim=' ', bs=8)
    fc.test_eq(list(dls.vocab), ['china', 'flower', 'grace_hopper', 'odd'])
    learn = vision_learner(dls, resnet18, pretrained=False, metrics=accuracy_multi)
    learn.fixres(96, 1)
    fc.test_eq(learn.get_preds()[0].shape, (len(dls.valid_ds), 4))
    with pytest.raises(ValueError, match='`label_delim`'): get_dls(64, photos, label_delim=' ')

def test_example_scenes(tmp_path):
    "`example_folder(scale=...)`: objects at random sizes on other photos, the same folder from the same seed, bad scales named"
    a = example_folder(tmp_path/'a', n_train=3, n_valid=2, size=64, scale=(0.2, 0.5), seed=1)
    b = example_folder(tmp_path/'b', n_train=3, n_valid=2, size=64, scale=(0.2, 0.5), seed=1)
    fns = get_image_files(a)
    fc.test_eq(len(fns), 15)
    fc.test_eq({PILImage.create(f).size for f in fns}, {(64, 64)})
    fc.test_eq([f.read_bytes() for f in fns], [(b/f.relative_to(a)).read_bytes() for f in fns])
    plain = example_folder(tmp_path/'c', n_train=3, n_valid=2, size=64, seed=1)
    assert any((plain/f.relative_to(a)).read_bytes() != f.read_bytes() for f in fns)
    for bad in [(0.5, 0.2), (0, 0.5), (0.2, 1.5), (0.3,), 0.3]:
        fc.test_fail(lambda: example_folder(tmp_path/'d', scale=bad), contains='`scale` must be')
