"""The trunk cache's pass on the CPU: in the model's own layout (contiguous), in channels-last, and in channels-last on
8 images at a time, which `_fill_cache` uses on the CPU.

For each model and size, the frozen trunk runs once over the same images in each way (`_cpu_layout` and `_cpu_chunk`
set for each); this prints images per second of the whole pass (loading included, as `fixres` sees it), the largest
difference between the contiguous and channels-last outputs, and whether the chunks change any output.

    python benchmarks/layout.py                   # EfficientNet-Lite0 and ResNet-50 at 128 and 224 px, 256 images
    python benchmarks/layout.py --n 64 --no-write # a quick look
"""
import argparse, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _common import write_section
from cost import learner
import torch
import fixres_fastai.cache as fc
from fixres_fastai import dls_at
from fixres_fastai.finder import _trained_names
from fixres_fastai.learner import FixResOptions

def one(arch, n, size):
    "Seconds of the trunk's pass over `n` images at `size` in each layout, and the largest difference of their outputs"
    learn = learner(arch, n, size, data='photos')
    fd = dls_at(learn.dls, size, train_aug='test')
    names = _trained_names(learn, fd, FixResOptions().callback())
    secs,outs = {},{}
    saved,cl = (fc._cpu_layout, fc._cpu_chunk),torch.channels_last
    for name,layout,chunk in (('contiguous', None, None), ('channels-last', cl, None), ('chunks', cl, saved[1]), ('contiguous again', None, None)):
        fc._cpu_layout,fc._cpu_chunk = layout,chunk
        try:
            t = time.perf_counter()
            (c,) = fc._fill_cache(learn.model, [fd.train.new(shuffle=False, drop_last=False)], names, verbose=False).caches
            secs[name] = time.perf_counter()-t
        finally: fc._cpu_layout,fc._cpu_chunk = saved
        outs[name] = c.xs[0].clone(); c.close()
    n_img = len(outs['contiguous'])
    diff = (outs['contiguous']-outs['channels-last']).abs().max().item()
    plain = min(secs['contiguous'], secs['contiguous again'])   # the better of two: the first may pay for warming up
    return dict(arch=arch, size=size, n=n_img, plain=n_img/plain, cl=n_img/secs['channels-last'], x=plain/secs['channels-last'], diff=diff,
                chunks=n_img/secs['chunks'], xc=plain/secs['chunks'], same=torch.equal(outs['chunks'], outs['channels-last']))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--n', type=int, default=256)
    p.add_argument('--sizes', type=int, nargs='+', default=[128, 224])
    p.add_argument('--no-write', action='store_true')
    a = p.parse_args()
    rows = []
    for arch in ('lite0', 'resnet50'):
        for s in a.sizes:
            r = one(arch, a.n, s); rows.append(r); print(r, flush=True)
    body = ("The trunk cache's one pass over the same training images (crops of the example photos), loading included, in the model's own layout, "
            f"in channels-last (weights and images), and in channels-last on {fc._cpu_chunk} images of each batch (of 32) at a time, which `_fill_cache` uses on the CPU. "
            "Speed-ups are against the contiguous pass; the output difference is channels-last's against contiguous.\n\n"
            f"| model | size | images | contiguous (img/s) | channels-last (img/s) | speed-up | chunks of {fc._cpu_chunk} (img/s) | speed-up | largest output difference | chunks' outputs the same |\n"
            "|---|---|---|---|---|---|---|---|---|---|\n" +
            '\n'.join(f"| {r['arch']} | {r['size']} | {r['n']} | {r['plain']:.0f} | {r['cl']:.0f} | {r['x']:.2f}x | {r['chunks']:.0f} | **{r['xc']:.2f}x** | {r['diff']:.1e} | {r['same']} |" for r in rows))
    if a.no_write: print(body)
    else: write_section('cache-layout', body)
