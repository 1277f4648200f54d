"""Peak memory of `fixres` and of `res_sweep` against the number of images: both stream the images batch by batch
from disk, so their peak should not grow with the data set. Fashion-MNIST canvases (1k and 4k training and validation
images by default), a small XResNet trained at 48 px, `fixres` at 64 px for one epoch, a sweep over 48-72 px.
Each measure runs in its own process; the canvases are written first, by this process.

    python benchmarks/memory.py [--ns 1000 4000]
"""
import argparse, json, resource, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _common import write_section, in_own_process, scale_learner

def _rss_mb(): return int(open('/proc/self/statm').read().split()[1])*resource.getpagesize()/2**20
def _peak_mb(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024

def folder(n): return Path(tempfile.gettempdir())/f'fixres_memory_{n}'

def one(mode, n):
    from fastai.vision.all import set_seed
    from fixres_fastai import get_dls
    import fixres_fastai.sweep
    set_seed(0)
    dls = get_dls(48, folder(n), bs=64, num_workers=0)
    learn = scale_learner(dls)
    start,t = _rss_mb(),time.time()
    with learn.no_bar(), learn.no_logging():
        if mode == 'fixres': learn.fixres(64, 1)
        else: learn.res_sweep([48, 56, 64, 72], plot=False, show_progress=False)
    return dict(mode=mode, n=n, secs=time.time()-t, start_mb=start, peak_mb=_peak_mb(), n_train=len(dls.train_ds), n_valid=len(dls.valid_ds))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--ns', type=int, nargs='+', default=[1000, 4000]); p.add_argument('--one', nargs=2, default=None)
    a = p.parse_args()
    if a.one:
        print(json.dumps(one(a.one[0], int(a.one[1])))); sys.exit()
    from fixres_fastai.demo import fashion_canvas
    for n in a.ns: fashion_canvas(folder(n), n_train=n, n_valid=n)
    lines = ["Peak resident memory (max RSS) of a process that builds the data and the model, then runs one call; "
             "'growth' is the peak minus the RSS just before the call. CPU, batch 64, loader workers 0.\n",
             "| call | training / validation images | seconds | RSS before the call (MiB) | peak RSS (MiB) | growth (MiB) |", "|---|---|---|---|---|---|"]
    for mode,name in (('fixres', '`learn.fixres(64, 1)`'), ('sweep', '`learn.res_sweep([48, 56, 64, 72])`')):
        for n in a.ns:
            r = in_own_process(__file__, mode, n)
            lines.append(f"| {name} | {r['n_train']} / {r['n_valid']} | {r['secs']:.1f} | {r['start_mb']:.0f} | {r['peak_mb']:.0f} | {r['peak_mb']-r['start_mb']:.0f} |")
    write_section('memory', '\n'.join(lines))
