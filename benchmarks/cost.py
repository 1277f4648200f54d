"""Cost of a `fixres` epoch against the floor (one no-grad forward pass over the same images at the same size)
and against a full-network training epoch, with peak memory of each. Each mode runs in its own process,
so that peak memory (max RSS on the CPU, max allocated on a GPU) is its own.

    python benchmarks/cost.py [--n 512] [--size 160]
"""
import argparse, json, resource, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _common import write_section, in_own_process

def one(mode, n, size, train_size):
    from fastai.vision.all import set_seed, accuracy, Callback
    from fixres_fastai import dls_at, FixResCallback
    from fixres_fastai.demo import elpv_dls, lite0_learner
    import torch
    set_seed(0)
    dls = elpv_dls(train_size, n=n, bs=32, num_workers=0)
    learn = lite0_learner(dls, metrics=accuracy)
    learn.dls = dls_at(dls, size, train_aug='test')
    dl = learn.dls.train.new(shuffle=False, drop_last=True)  # the same batches a training epoch sees
    cuda = torch.cuda.is_available()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if cuda: torch.cuda.reset_peak_memory_stats()
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
    peak = torch.cuda.max_memory_allocated()/2**20 if cuda else (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss-base)/1024
    return dict(mode=mode, secs=secs, peak_mb=peak, n=len(dl.dataset), device='cuda' if cuda else 'cpu')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n', type=int, default=512); p.add_argument('--size', type=int, default=160)
    p.add_argument('--train-size', type=int, default=128); p.add_argument('--one', default=None)
    a = p.parse_args()
    if a.one:
        print(json.dumps(one(a.one, a.n, a.size, a.train_size))); sys.exit()
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
