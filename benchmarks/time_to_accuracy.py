"""Train small, test large: the paper's speed claim, measured on the benchmark data sets.

(small) train at a low size for E epochs, then `learn.fixres(test_size, k)` (the frozen-trunk cache on);
(large) train at the test size from the start for the same E epochs.
Both are scored at the test size on the same validation images; the wall time is the whole recipe
(building the data, training, and for (small) the fine-tune). Paired over seeds.

    python benchmarks/time_to_accuracy.py elpv --seeds 0 1 2      # pretrained EfficientNet-Lite0, 64 -> 96 px
    python benchmarks/time_to_accuracy.py fashion --seeds 0 1 2   # XResNet from scratch on the Fashion canvas, 32 -> 48 px
    python benchmarks/time_to_accuracy.py elpv --deploy           # (small) at `train_size_for(96)`: the recipe of `--deploy-size`
"""
import argparse, sys, time, io, contextlib
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _common import write_section, scale_canvas, scale_learner
from fastai.vision.all import *
from fixres_fastai import *
from fixres_fastai.demo import *

SETUPS = {'elpv': dict(small=64, large=96, epochs=3, lr=2e-3, fixres_epochs=3, n=1200),
          'fashion': dict(small=32, large=48, epochs=4, lr=3e-3, fixres_epochs=3, n=None)}

def recipe(data, size, seed, s):
    "A learner trained at `size` for the setup's epochs, and the seconds it took"
    set_seed(seed)
    t = time.time()
    if data == 'elpv':
        learn = lite0_learner(elpv_dls(size, n=s['n'], seed=seed, bs=32), metrics=accuracy)
        with learn.no_bar(), learn.no_logging(): learn.fine_tune(s['epochs'], s['lr'])
    else:
        learn = scale_learner(get_dls(size, scale_canvas(), bs=64))
        with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(s['epochs'], s['lr'])
    return learn, time.time()-t

def deploy_small(data, s):
    "The training size whose objects match the deployment size (the setup's large one) after FixRes, read from the setup's own pipeline"
    dls = elpv_dls(s['large'], n=s['n'], bs=32) if data == 'elpv' else get_dls(s['large'], scale_canvas(), bs=64)
    return train_size_for(s['large'], dls)

def score(learn, dl=None):
    with learn.no_bar(): return float(learn.validate(dl=dl)[1])

def run(data, seed, s=None):
    s = SETUPS[data] if s is None else s
    big,t_big = recipe(data, s['large'], seed, s)
    acc_big = score(big)
    small,t_small = recipe(data, s['small'], seed, s)
    acc_small_at_small = score(small)
    acc_small_no_ft = score(small, dls_at(small.dls, s['large']).valid)
    t = time.time()
    with small.no_bar(), small.no_logging(), contextlib.redirect_stdout(io.StringIO()):
        small.fixres(s['large'], s['fixres_epochs'], lr=s['lr']/2)
    t_fix = time.time()-t
    acc_small = score(small)
    return dict(acc_big=acc_big, acc_small=acc_small, acc_small_at_small=acc_small_at_small, acc_small_no_ft=acc_small_no_ft,
                t_big=t_big, t_small=t_small, t_fix=t_fix, n=(len(big.dls.train_ds), len(big.dls.valid_ds)))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data', choices=list(SETUPS))
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--deploy', action='store_true', help="(small) at train_size_for(large), as `fixres-fastai train --deploy-size` does")
    a = p.parse_args()
    s = dict(SETUPS[a.data])
    if a.deploy: s['small'] = deploy_small(a.data, s)
    runs = pd.DataFrame({seed: run(a.data, seed, s) for seed in a.seeds}).T
    for c in runs.columns:
        if c != 'n': runs[c] = runs[c].astype(float)
    n = runs['n'].iloc[0]
    what = ('pretrained EfficientNet-Lite0, `fine_tune`' if a.data == 'elpv' else 'XResNet from scratch, `fit_one_cycle`')
    sd = lambda d: d.std(ddof=1) if len(d) > 1 else 0
    d_acc = (runs.acc_small - runs.acc_big)*100
    total_small = runs.t_small + runs.t_fix
    lines = [f"**{'ELPV solar cells' if a.data=='elpv' else 'Fashion-MNIST canvas'}**, {what} for {s['epochs']} epochs; "
             f"{n[0]} training / {n[1]} validation images; seeds {a.seeds}. (small): trained at {s['small']} px"
             f"{' (`train_size_for(' + str(s['large']) + ')`: objects as large as at ' + str(s['large']) + ' after FixRes)' if a.deploy else ''}, then "
             f"`fixres({s['large']}, {s['fixres_epochs']})` (cached); (large): trained at {s['large']} px. Both scored at {s['large']} px.\n",
             "| | " + ' | '.join(f'seed {x}' for x in a.seeds) + " | mean |", "|---|" + "---|"*(len(a.seeds)+1)]
    rows = [(f"(large) accuracy % at {s['large']}", runs.acc_big*100), (f"(small) accuracy % at {s['small']}, before FixRes", runs.acc_small_at_small*100),
            (f"(small) tested at {s['large']}, no training", runs.acc_small_no_ft*100), (f"(small) + fixres, accuracy % at {s['large']}", runs.acc_small*100),
            ("paired difference (small+fixres) - (large), points", d_acc),
            (f"(large) seconds", runs.t_big), ("(small) seconds: training", runs.t_small), ("(small) seconds: fixres", runs.t_fix),
            ("time (large) / time (small + fixres)", runs.t_big/total_small)]
    for name,col in rows:
        fmt = (lambda v: f'{v:+.2f}') if 'difference' in name else (lambda v: f'{v:.2f}')
        extra = f" ± {sd(col):.2f}" if 'difference' in name or '/' in name else ''
        lines.append(f"| {name} | " + ' | '.join(fmt(v) for v in col) + f" | **{fmt(col.mean())}**{extra} |")
    write_section(f'time-to-accuracy-{a.data}' + ('-deploy' if a.deploy else ''), '\n'.join(lines))
