"""Cost of `fixres` against the floor (one no-grad forward pass over the same images at the same size).

`epoch`: one `fixres` epoch against the floor and against a full-network training epoch, with peak memory of each.
`cache`: the whole `learn.fixres(size, E)` call for E = 1, 3, 5, with the frozen-trunk cache and without, on
EfficientNet-Lite0 and a ResNet-50, against a forward pass over the same training and validation images; with the
cache's size and the peak RSS. Each run is its own process, so that its peak memory (max RSS on the CPU, max
allocated on a GPU) is its own.

    python benchmarks/cost.py [epoch|cache|all] [--n 512] [--size 160]
"""
import argparse, json, re, resource, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _common import write_section, in_own_process

def learner(arch, n, train_size, bs=32):
    from fastai.vision.all import set_seed, accuracy, vision_learner
    from fixres_fastai.demo import elpv_dls, lite0_learner
    from torchvision.models import resnet50
    set_seed(0)
    dls = elpv_dls(train_size, n=n, bs=bs, num_workers=0)
    if arch == 'lite0': return lite0_learner(dls, metrics=accuracy)
    return vision_learner(dls, resnet50, pretrained=False, metrics=accuracy)   # the cost does not depend on the weights

def _mem_base():
    "Start measuring peak memory: reset CUDA's peak, or read the peak RSS so far"
    import torch
    if torch.cuda.is_available(): torch.cuda.reset_peak_memory_stats()
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def _peak_mib(base):
    "Peak memory since `_mem_base`: GPU memory allocated, or the growth of the peak RSS"
    import torch
    return torch.cuda.max_memory_allocated()/2**20 if torch.cuda.is_available() else (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss-base)/1024

def one_call(arch, mode, n, size, train_size):
    "Seconds of `learn.fixres(size, E)` (mode 'E/cached' or 'E/plain'), or of the floor (mode 'forward')"
    import torch, io, contextlib
    from fixres_fastai import dls_at
    learn = learner(arch, n, train_size)
    cuda = torch.cuda.is_available()
    base = _mem_base()
    out = io.StringIO()
    with learn.no_bar(), learn.no_logging(), contextlib.redirect_stdout(out):
        t = time.time()
        if mode == 'forward':
            d = dls_at(learn.dls, size, train_aug='test')
            for dl in (d.train.new(shuffle=False, drop_last=False), d.valid): learn.get_preds(dl=dl)
        else:
            e,how = mode.split('/')
            learn.fixres(size, int(e), lr=1e-3, cache=how=='cached')
        if cuda: torch.cuda.synchronize()
        secs = time.time()-t
    peak = _peak_mib(base)
    mib = re.search(r'take ([\d.,]+) MiB', out.getvalue())
    return dict(arch=arch, mode=mode, secs=secs, peak_mb=peak, cache_mb=float(mib.group(1).replace(',', '')) if mib else 0.,
                n=len(learn.dls.train_ds)+len(learn.dls.valid_ds), device=torch.cuda.get_device_name(0) if cuda else 'cpu')

def cache_table(a):
    archs = {'lite0': 'EfficientNet-Lite0 (timm, `BatchNormAct2d`)', 'resnet50': 'ResNet-50 (torchvision, via `vision_learner`; the cache keeps the residual)'}
    modes = ['forward'] + [f'{e}/{h}' for e in (1, 3, 5) for h in ('plain', 'cached')]
    res = {(arch,m): in_own_process(__file__, arch, m, '--n', a.n, '--size', a.size, '--train-size', a.train_size, flag='--call') for arch in archs for m in modes}
    r0 = res['lite0', 'forward']
    mem = 'peak GPU memory allocated' if r0['device'] != 'cpu' else 'peak RSS growth'
    lines = [f"`learn.fixres({a.size}, E)` on {r0['n']} ELPV images (training + validation) of a learner trained at {a.train_size} px, batch 32, "
             f"loader workers 0, device: {r0['device']}; each run in its own process. The floor is one no-grad forward pass over the same "
             "training and validation images at the same size; the whole call (data rebuild, fit, validation each epoch) is timed.\n",
             f"| model | E | uncached: seconds | x floor | cached: seconds | x floor | cache (MiB) | {mem} uncached / cached (MiB) |", "|---|---|---|---|---|---|---|---|"]
    for arch,name in archs.items():
        f = res[arch, 'forward']['secs']
        lines.append(f"| {name} | floor | {f:.1f} | 1.00 | | | | {res[arch, 'forward']['peak_mb']:.0f} |")
        for e in (1, 3, 5):
            p,c = res[arch, f'{e}/plain'],res[arch, f'{e}/cached']
            lines.append(f"| | {e} | {p['secs']:.1f} | {p['secs']/f:.2f} | {c['secs']:.1f} | **{c['secs']/f:.2f}** | {c['cache_mb']:.0f} | {p['peak_mb']:.0f} / {c['peak_mb']:.0f} |")
    lines.append("\nWith `cache=None` (the default) one epoch does not cache: nothing passes twice. Here `cache=True` forces it at E = 1 too, to show its cost. "
                 "Target: 5 epochs within 1.5x the floor, 1 epoch no slower than without the cache.")
    write_section('cost-cache', '\n'.join(lines))

def one(mode, n, size, train_size):
    from fastai.vision.all import Callback
    from fixres_fastai import dls_at, FixResCallback
    import torch
    learn = learner('lite0', n, train_size)
    learn.dls = dls_at(learn.dls, size, train_aug='test')
    dl = learn.dls.train.new(shuffle=False, drop_last=True)  # the same batches a training epoch sees
    cuda = torch.cuda.is_available()
    base = _mem_base()
    class TrainTime(Callback):
        "Seconds of the training phase only: `fit` also validates, which the floor does not"
        order = 100
        def before_train(self): self.t = time.time()
        def after_train(self):
            if cuda: torch.cuda.synchronize()
            self.secs = time.time()-self.t
    with learn.no_bar(), learn.no_logging():
        if mode == 'forward':
            t = time.time(); learn.get_preds(dl=dl)
            if cuda: torch.cuda.synchronize()
            secs = time.time()-t
        else:
            tt = TrainTime()
            if mode == 'fixres': learn.fit(1, 1e-3, cbs=[FixResCallback(), tt])
            else: learn.unfreeze(); learn.fit(1, 1e-3, cbs=tt)
            secs = tt.secs
    peak = _peak_mib(base)
    return dict(mode=mode, secs=secs, peak_mb=peak, n=len(dl.dataset), device='cuda' if cuda else 'cpu')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('what', nargs='?', choices=['epoch', 'cache', 'all'], default='all')
    p.add_argument('--call', nargs=2, default=None)
    p.add_argument('--n', type=int, default=512); p.add_argument('--size', type=int, default=160)
    p.add_argument('--train-size', type=int, default=128); p.add_argument('--one', default=None)
    a = p.parse_args()
    if a.one:
        print(json.dumps(one(a.one, a.n, a.size, a.train_size))); sys.exit()
    if a.call:
        print(json.dumps(one_call(*a.call, a.n, a.size, a.train_size))); sys.exit()
    if a.what in ('cache', 'all'): cache_table(a)
    if a.what == 'cache': sys.exit()
    res = {}
    for mode in ('forward', 'fixres', 'full'):
        res[mode] = in_own_process(__file__, mode, '--n', a.n, '--size', a.size, '--train-size', a.train_size)
    f,x,u = res['forward'],res['fixres'],res['full']
    mem = 'peak GPU memory allocated' if f['device']=='cuda' else 'growth of the peak RSS during the epoch'
    lines = [f"EfficientNet-Lite0 on {f['n']} ELPV training images at {a.size} px (fine-tuning with the test protocol), batch 32, one epoch, loader workers 0; each mode in its own process.\n",
             f"| mode | seconds | per image (ms) | {mem} (MiB) |", "|---|---|---|---|"]
    for name,r in (('no-grad forward pass (the floor)', f), ('`fixres` epoch (last norm + head)', x), ('full-network training epoch', u)):
        lines.append(f"| {name} | {r['secs']:.1f} | {1000*r['secs']/r['n']:.1f} | {r['peak_mb']:.0f} |")
    lines.append(f"\n`fixres` epoch / forward floor: **{x['secs']/f['secs']:.2f}x** (target <= 1.3x); full epoch / `fixres` epoch: **{u['secs']/x['secs']:.2f}x** (target >= 2.5x).")
    write_section('cost', '\n'.join(lines))
