"`fixres` with fastai's precision and layout options: the same parameters train, the weights stay float32, no dtype errors; on the CPU mixed precision is accepted with a clear warning"
import pytest, torch, warnings
from fastai.vision.all import *
from fastcore import test as fc
from torchvision.models import resnet18
from fixres_fastai import *

SETUPS = {'fp32': noop, 'fp16': lambda l: l.to_fp16(), 'bf16': lambda l: l.to_bf16(),
          'channels_last': lambda l: l.to_channelslast(use_amp=False), 'channels_last+fp16': lambda l: l.to_channelslast()}

def trained(photos, setup, device=None, epochs=1):
    "The keys of the state that `fixres` changed, with `setup` applied to a fresh ResNet-18 learner, and the warnings it gave"
    set_seed(0)
    learn = vision_learner(get_dls(64, photos, bs=8, device=device), resnet18, pretrained=False, metrics=accuracy)
    SETUPS[setup](learn)
    before = {k:v.detach().cpu().clone() for k,v in learn.model.state_dict().items()}   # on the CPU: the fit moves the model to the GPU
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        learn.fixres(80, epochs)
    after = learn.model.state_dict()
    assert all(v.isfinite().all() for v in after.values() if v.is_floating_point())
    fc.test_eq({p.dtype for p in learn.model.parameters()}, {torch.float32})
    assert learn.validate()[1] is not None                          # predicts at the new size in this precision
    return {k for k,v in after.items() if not torch.equal(v.cpu(), before[k])}, [str(x.message) for x in w]

@pytest.mark.parametrize('setup', ['fp16', 'bf16'])
def test_cpu_mixed_precision_warns_and_trains_the_same(photos, setup):
    keys,_ = trained(photos, 'fp32')
    keys_mp,msgs = trained(photos, setup)
    fc.test_eq(keys_mp, keys)
    assert any(f'to_{setup}()` does nothing on the CPU' in m for m in msgs), msgs

@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
@pytest.mark.parametrize('setup', ['fp16', 'bf16', 'channels_last', 'channels_last+fp16'])
def test_gpu_precision_and_layout(photos, setup):
    keys,_ = trained(photos, 'fp32', device='cuda', epochs=3)
    keys_mp,msgs = trained(photos, setup, device='cuda', epochs=3)   # several steps: fp16's loss scaler may skip the first ones
    fc.test_eq(keys_mp, keys)
    assert not any('does nothing on the CPU' in m for m in msgs)

@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_gpu_fp16_on_a_presizing_pipeline(photos):
    "The Kaggle learner: ImageDataLoaders with presizing, vision_learner, to_fp16, then fixres; it predicts at the new size with test_dl"
    dls = ImageDataLoaders.from_folder(photos, valid='valid', item_tfms=Resize(128), batch_tfms=aug_transforms(size=64), bs=8, device='cuda')
    learn = vision_learner(dls, resnet18, pretrained=False, metrics=accuracy).to_fp16()
    before = {k:v.detach().cpu().clone() for k,v in learn.model.state_dict().items()}   # on the CPU: the fit moves the model to the GPU
    learn.fixres(96, 3)
    changed = {k for k,v in learn.model.state_dict().items() if not torch.equal(v.cpu(), before[k])}
    assert changed and all(k.startswith(('0.7.1.bn2.', '1.')) for k in changed), sorted(changed)
    fc.test_eq({p.dtype for p in learn.model.parameters()}, {torch.float32})
    fc.test_eq(learner_size(learn), 96)
    preds,_ = learn.get_preds(dl=learn.dls.test_dl(get_image_files(photos/'valid')))
    assert preds.isfinite().all()

def fresh_learner_calls(photos, device):
    "What each call gives on a learner that has not fit yet: its model is still on the CPU while its data are on `device`"
    dls = ImageDataLoaders.from_folder(photos, valid='valid', item_tfms=Resize(96), batch_tfms=aug_transforms(size=64), bs=8, device=device)
    fresh = lambda: vision_learner(dls, resnet18, pretrained=False, metrics=accuracy)
    speed,feats = throughput(fresh(), 80),fresh().pooled_features(80)
    learn = fresh()
    with learn.no_bar(), learn.no_logging(): learn.fixres_find(1, plot=False)   # the finder, too, puts the model where the data are
    learn = fresh()
    with learn.no_bar(), learn.no_logging(): learn.fixres('auto', 1, cache=True, show=False)
    return speed, len(feats), next(learn.model.parameters()).device.type

@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_gpu_fresh_learner(photos):
    "The model reaches the GPU only when it first fits or predicts: `throughput`, `pooled_features`, `fixres_find` and `fixres('auto')` take it as it is"
    speed,n,dev = fresh_learner_calls(photos, 'cuda')
    assert speed > 0 and n == len(get_image_files(photos/'valid'))
    fc.test_eq(dev, 'cuda')      # 'auto' measured, cached and fine-tuned on the GPU, as fastai's fit would
