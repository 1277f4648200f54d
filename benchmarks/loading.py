"""Data loading: images per second of `get_dls` at the test size against fastai's default pipeline
(`ImageDataLoaders.from_folder` with `Resize`) on the same files: ELPV PNGs (300x300), and large
JPEGs (3000x2000, written at run time) where decoding at reduced size (JPEG draft) matters.

    python benchmarks/loading.py [--n 2624] [--size 160] [--big 256]
"""
import argparse, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _common import write_section
from fastai.vision.all import *
from fixres_fastai import *
from fixres_fastai.demo import elpv_table, elpv_root
from fixres_fastai.data import _ImageOpener

def rate(dl, n_batches=None):
    it,t,n = iter(dl),time.time(),0
    for i,(x,y) in enumerate(it):
        n += len(x)
        if n_batches and i+1 >= n_batches: break
    return n/(time.time()-t)

def folder(src_files, dest, big=False):
    rng = np.random.default_rng(0)
    for i,f in enumerate(src_files):
        d = dest/('train' if i%4 else 'valid')/f'c{i%2}'; d.mkdir(parents=True, exist_ok=True)
        im = Image.open(f).convert('RGB')
        if big: im = im.resize((3000, 2000))
        im.save(d/f'{i:05d}.jpg' if big else d/f'{i:05d}.png', quality=90)
    return dest

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--n', type=int, default=2624, help='ELPV images (a quarter of them form the validation set read here)')
    p.add_argument('--size', type=int, default=160)
    p.add_argument('--big', type=int, default=256, help='number of large JPEGs (a quarter of them are read)')
    a = p.parse_args()
    files = [elpv_root()/f for f in elpv_table(a.n)['fname']]
    tmp = Path(tempfile.mkdtemp())
    sets = {'ELPV PNG 300x300': folder(files, tmp/'png'), 'JPEG 3000x2000': folder(files[:a.big], tmp/'big', big=True)}
    lines = [f"Validation images per second at {a.size} px, batch 32, one pass, on the CPU (`num_workers` as given).\n",
             "| files | pipeline | workers | images/s |", "|---|---|---|---|"]
    for name,path in sets.items():
        for nw in (0, 2):
            ours = get_dls(a.size, path, bs=32, num_workers=nw).valid
            test = get_dls(a.size, path, bs=32, num_workers=nw, train_aug='test').valid
            fa = ImageDataLoaders.from_folder(path, valid='valid', item_tfms=Resize(a.size), bs=32, num_workers=nw).valid
            for label,dl in (('fastai `ImageDataLoaders` + `Resize`', fa), ('`get_dls` (FixRes test crop, JPEG draft for the training crops)', ours),
                             ("`get_dls(train_aug='test')`, as `fixres` and `res_sweep` build it (JPEG draft for the test crop)", test)):
                lines.append(f"| {name} | {label} | {nw} | {rate(dl):.0f} |")
    big = get_image_files(sets['JPEG 3000x2000'])
    side,test_side = math.ceil(a.size*max(256/224, 1/math.sqrt(0.08))),math.ceil(a.size*256/224)
    for label,op in (('decode in full', _ImageOpener()), (f'decode with draft for the training crops (shorter side >= {side})', _ImageOpener(side)),
                     (f'decode with draft for the test crop (shorter side >= {test_side})', _ImageOpener(test_side))):
        t = time.time(); [op(f) for f in big]
        lines.append(f"| JPEG 3000x2000 | `_ImageOpener`: {label}, no resize | 0 | {len(big)/(time.time()-t):.0f} |")
    write_section('loading', '\n'.join(lines))
