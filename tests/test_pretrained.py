"The real pretrained EfficientNet-Lite0 (weights shipped in a package, see DATA.md) through a fastai learner and fixres."
import torch
from fastai.vision.all import *
from fixres_fastai import *
from fixres_fastai.demo import lite0, lite0_stats
from fixres_fastai.data import _example_photos

def test_weights_are_imagenet():
    from timm.data import ImageNetInfo
    m = lite0().eval()
    img = PILImage.create(_example_photos()[0])
    crop = FixResCrop(224)(img, split_idx=1)
    x = (tensor(np.array(crop)).permute(2,0,1).float()/255 - 0.5)/0.5
    with torch.no_grad(): top5 = m(x[None]).topk(5).indices[0].tolist()
    assert 'palace' in [ImageNetInfo().index_to_description(i) for i in top5]

def test_fixres_on_pretrained_lite0(photos):
    set_seed(0)
    dls = get_dls(96, photos, bs=8, stats=lite0_stats)
    m = lite0(dls.c)
    learn = Learner(dls, m, metrics=accuracy)
    learn.fit_one_cycle(1, 1e-3, cbs=FixResCallback(train='head'))    # a new classifier on frozen ImageNet features
    before = {k:v.clone() for k,v in learn.model.state_dict().items()}
    learn.fixres(128, 1)
    changed = {k.rsplit('.', 1)[0] for k,v in learn.model.state_dict().items() if not torch.equal(v, before[k])}
    assert changed == {'bn2', 'classifier'}
    assert learner_size(learn) == 128 and learn.validate()[1] > 0.5
