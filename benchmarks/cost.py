"""Cost of `fixres` against the floor (one no-grad forward pass over the same images at the same size).

`epoch`: one `fixres` epoch against the floor and against a full-network training epoch, with peak memory of each.
`cache`: the whole `learn.fixres(size, E)` call for E = 1, 3, 5, with the frozen-trunk cache and without, on
EfficientNet-Lite0 and a ResNet-50, against a forward pass over the same training and validation images; with the
cache's size, the peak memory, and the loader alone (images/s of the same data with no model), so that a slow loader
shows as such. Each run is its own process, so that its peak memory (max RSS on the CPU, max allocated on a GPU) is
its own; `--inline` runs them in this process instead (on a GPU the peak is reset before each run).

    python benchmarks/cost.py [epoch|cache|all] [--n 512] [--size 160]
    python benchmarks/cost.py cache --data photos --sizes 224 288 --train-size 192 --workers 8 --inline   # the GPU check's
`--data photos` uses crops of the example photos that fastai's dependencies bring (for a machine without the `[demo]`
data); the weights do not change the time.
"""
import argparse, json, re, resource, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
import _common
from _common import write_section, in_own_process

def _dls(data, n, train_size, bs=32, workers=0):
    "ELPV cells (`n` of them), or about `n` crops of the example photos saved at 400 px (above the largest size measured, 288)"
    from fixres_fastai import get_dls, example_folder
    if data == 'elpv':
        from fixres_fastai.demo import elpv_dls
        return elpv_dls(train_size, n=n, bs=bs, num_workers=workers)
    import tempfile
    per_class = max(2, n//3)
    root = Path(tempfile.gettempdir())/f'fixres_cost_photos_{n}'
    if not root.exists(): example_folder(root, n_train=per_class*4//5, n_valid=per_class-per_class*4//5, size=400)
    return get_dls(train_size, root, bs=bs, num_workers=workers)

def learner(arch, n, train_size, bs=32, data='elpv', workers=0):
    from fastai.vision.all import set_seed, accuracy, vision_learner
    from fixres_fastai.demo import lite0_learner
    from torchvision.models import resnet50
    set_seed(0)
    dls = _dls(data, n, train_size, bs, workers)
    if arch == 'lite0': return lite0_learner(dls, pretrained=data=='elpv', metrics=accuracy)
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

def one_call(arch, mode, n, size, train_size, data='elpv', workers=0):
    "Seconds of `learn.fixres(size, E)` (mode 'E/cached' or 'E/plain'), of the floor (mode 'forward'), or of the loader alone (mode 'loader')"
    import torch, io, contextlib
    from fixres_fastai import dls_at
    learn = learner(arch, n, train_size, data=data, workers=workers)
    cuda = torch.cuda.is_available()
    if cuda: learn.model.cuda(); torch.cuda.synchronize()
    base = _mem_base()
    out = io.StringIO()
    with learn.no_bar(), learn.no_logging(), contextlib.redirect_stdout(out):
        t = time.time()
        if mode == 'loader':          # the same batches as the floor, decoded, augmented and moved to the device, no model
            d = dls_at(learn.dls, size, train_aug='test')
            for dl in (d.train.new(shuffle=False, drop_last=False), d.valid):
                for b in dl: pass
        elif mode == 'forward':
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
    modes = ['loader', 'forward'] + [f'{e}/{h}' for e in a.epochs for h in ('plain', 'cached')]
    def run(arch, m, size):
        if a.inline: return one_call(arch, m, a.n, size, a.train_size, a.data, a.workers)
        return in_own_process(__file__, arch, m, '--n', a.n, '--size', size, '--train-size', a.train_size, '--data', a.data, '--workers', a.workers, flag='--call')
    sizes = a.sizes or [a.size]
    res = {}
    for s in sizes:
        for arch in archs:
            for m in modes:
                res[arch,m,s] = run(arch, m, s)
                if a.json: Path(a.json).write_text(json.dumps([dict(size=s, **r) for (_,_,s),r in res.items()], indent=1))   # what ran so far
    r0 = res['lite0', 'forward', sizes[0]]
    gpu = r0['device'] != 'cpu'
    mem = 'peak GPU memory allocated' if gpu else 'peak RSS growth'
    what = 'ELPV images' if a.data == 'elpv' else 'crops of the example photos'
    lines = [f"`learn.fixres(size, E)` at {', '.join(map(str, sizes))} px on {r0['n']} {what} (training + validation) of a learner trained at {a.train_size} px, "
             f"batch 32, loader workers {a.workers}, device: {r0['device']}; {'each run in this process' if a.inline else 'each run in its own process'}. "
             "The floor is one no-grad forward pass over the same training and validation images at the same size; the whole call "
             "(data rebuild, fit, validation each epoch) is timed. The loader row passes the same batches through the data pipeline "
             "(decoding, transforms, moving to the device) with no model: where its images/s is close to the floor's, the loader sets the pace.\n",
             f"| model | size | E | uncached: seconds | x floor | cached: seconds | x floor | cache (MiB) | {mem} uncached / cached (MiB) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for s in sizes:
        for arch,name in archs.items():
            f,ld = res[arch, 'forward', s],res[arch, 'loader', s]
            lines.append(f"| {name} | {s} | loader alone | {ld['secs']:.1f} ({ld['n']/ld['secs']:.0f} img/s) | | | | | |")
            lines.append(f"| | {s} | floor | {f['secs']:.1f} ({f['n']/f['secs']:.0f} img/s) | 1.00 | | | | {f['peak_mb']:.0f} |")
            for e in a.epochs:
                p,c = res[arch, f'{e}/plain', s],res[arch, f'{e}/cached', s]
                lines.append(f"| | {s} | {e} | {p['secs']:.1f} | {p['secs']/f['secs']:.2f} | {c['secs']:.1f} | **{c['secs']/f['secs']:.2f}** | {c['cache_mb']:.0f} | {p['peak_mb']:.0f} / {c['peak_mb']:.0f} |")
    lines.append("\nWith `cache=None` (the default) one epoch does not cache: nothing passes twice. Here `cache=True` forces it at E = 1 too, to show its cost. "
                 "Target: 5 epochs within 1.5x the floor, 1 epoch no slower than without the cache.")
    name = 'cost-cache' + ('' if a.data == 'elpv' else f'-{a.data}') + ('-gpu' if gpu else '')
    write_section(name, '\n'.join(lines))

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
    p.add_argument('--sizes', type=int, nargs='+', help='cache: several sizes, a table row group each (default: --size)')
    p.add_argument('--epochs', type=int, nargs='+', default=[1, 3, 5], help='cache: the values of E')
    p.add_argument('--data', choices=['elpv', 'photos'], default='elpv', help="images: ELPV (the `[demo]` extra) or crops of the example photos")
    p.add_argument('--workers', type=int, default=0, help='loader workers')
    p.add_argument('--inline', action='store_true', help='cache: every run in this process')
    p.add_argument('--json', help='cache: also write every run as JSON to this file')
    p.add_argument('--results', help='write the section into this file instead of benchmarks/RESULTS.md')
    a = p.parse_args()
    if a.results: _common.RESULTS = Path(a.results)
    if a.one:
        print(json.dumps(one(a.one, a.n, a.size, a.train_size))); sys.exit()
    if a.call:
        print(json.dumps(one_call(*a.call, a.n, a.size, a.train_size, a.data, a.workers))); sys.exit()
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
