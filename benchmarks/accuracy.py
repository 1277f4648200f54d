"""Accuracy of FixRes against its peers, on the same trained models, over several seeds.

(a) test at the train size; (b) test at the recommended size, no training; (c) the official recipe
(classifier + the last BatchNorm's statistics, test preprocessing); (d) `fixres` (last norm + head);
(e) statistics only (label-free); (f) full fine-tuning of the whole network at the test size with the
usual training augmentation, for the same number of epochs; (g) `fixres('auto')`: `fixres_find` fine-tunes at every
candidate size on a sample of training images (`fixres_find`'s default `n_train`, for as many steps as on all of them) and scores each on half the validation set; the best is kept only if it
beats the learner as it was there by more than the paired standard error, then fine-tuned on every training image;
(h) `fixres('auto', n_train=None)`: the same search on every training image.
A second table scores on the other half only, which 'auto' never chose on: (a), (b') the best size without training
chosen on the first half, (d), (g) and (h). Every condition starts from the same random state (`set_seed(seed)`), so paired
differences leave out the fine-tunes' different random draws: (h) that keeps the theory's size is (d) exactly.

    python benchmarks/accuracy.py elpv --seeds 0 1 2       # pretrained EfficientNet-Lite0 on ELPV
    python benchmarks/accuracy.py fashion --seeds 0 1 2    # Fashion-MNIST on a canvas, from scratch
"""
import argparse, inspect, json, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _common import write_section, scale_canvas, scale_learner
from fastai.vision.all import *
from fixres_fastai import *
from fixres_fastai.demo import *
from fixres_fastai.measures import halves
from fixres_fastai.data import dl_at
from fixres_fastai.sweep import _default_sizes

N_TRAIN = inspect.signature(Learner.fixres_find).parameters['n_train'].default   # the finder's sample, as a user gets it

CONDITIONS = {'a': 'test at train size', 'b': 'test at test size, no training', 'c': 'official recipe (head + BN stats)',
              'd': 'fixres (last norm + head)', 'e': 'BN statistics only (no labels)', 'f': 'full fine-tuning at test size',
              'g': f"fixres('auto'): fine-tuned at every size on {N_TRAIN:,} images, guarded", 'h': "fixres('auto', n_train=None): on every image, guarded"}
REPORT = {'a': 'test at train size', "b'": 'best size without training (chosen on the other half)', 'd': 'fixres at the theory\'s size',
          'g': "fixres('auto')", 'h': "fixres('auto', n_train=None)"}

def trained(data, seed, quick):
    set_seed(seed)
    if data == 'elpv':
        dls = elpv_dls(96, n=800 if quick else None, seed=seed, bs=32)
        learn = lite0_learner(dls, metrics=accuracy)
        learn.fine_tune(1 if quick else 3, 2e-3)
        return learn, 2e-3
    learn = scale_learner(get_dls(48, scale_canvas(n_train=2000 if quick else 6000), bs=64))
    learn.fit_one_cycle(2 if quick else 6, 3e-3)
    return learn, 1e-3

def run(data, seed, epochs, quick):
    learn,lr = trained(data, seed, quick)
    train_size,base_dls = learner_size(learn),learn.dls
    test_size = recommend_test_size(base_dls)
    state = {k:v.clone() for k,v in learn.model.state_dict().items()}
    def reset():
        learn.model.load_state_dict(state); learn.dls = base_dls; learn.__dict__.pop('fixres_size', None)
    acc,secs,half = {},{},{}
    rep = halves(base_dls.valid, seed)[1]       # the half fixres('auto', seed=seed) reports on: each seed its own split
    on_half = lambda: float(learn.validate(dl=dl_at(rep, learner_size(learn), test=True))[1])
    def timed(k, f):
        set_seed(seed)   # common random numbers: each condition draws the same stream
        t = time.time()
        with learn.no_bar(), learn.no_logging(): f()
        secs[k] = time.time()-t
        acc[k] = float(learn.validate()[1]) if k not in 'ab' else acc[k]
        if k in 'dgh': half[k] = on_half()
        reset()
    acc['a'],half['a'] = float(learn.validate()[1]),on_half()
    acc['b'] = float(learn.validate(dl=dls_at(base_dls, test_size).valid)[1])
    timed('c', lambda: learn.fixres(test_size, epochs, train='head+stats', lr=lr))
    timed('d', lambda: learn.fixres(test_size, epochs, lr=lr))
    timed('e', lambda: learn.fixres(test_size, epochs, train='stats'))
    def full():
        learn.dls = dls_at(base_dls, test_size)
        learn.unfreeze(); learn.opt = None
        learn.fit_one_cycle(epochs, lr)
        learn.fixres_size = test_size
    timed('f', full)
    def auto(k, n_train):
        r = learn.fixres('auto', epochs, lr=lr, show=False, seed=seed, n_train=n_train)
        sc = r.table.set_index('size')
        extra[k] = dict(choice='fixres' if r.tune else 'as it was', size=learner_size(learn), best_plain=int(sc['no training'].idxmax()),
                        fitted=', '.join(f"{s}: {100*v:.2f}" for s,v in sc['fine-tuned'].dropna().items()),
                        gains=', '.join(f"{s} {100*sc.loc[s, 'gain']:+.2f} ± {100*sc.loc[s, 'se']:.2f}" for s in sc['gain'].dropna().index))
    extra = {}
    timed('g', lambda: auto('g', N_TRAIN))
    timed('h', lambda: auto('h', None))
    learn.dls = dls_at(base_dls, extra['g']['best_plain'])   # (b'): the best size without training on the choosing half, scored on the other
    half["b'"] = on_half()
    reset()
    sweep = learn.res_sweep(_default_sizes(train_size), plot=False, show_progress=False)
    return dict(acc=acc, secs=secs, half=half, auto=extra, train_size=train_size, test_size=test_size, sweep=sweep,
                n=(len(base_dls.train_ds), len(base_dls.valid_ds)))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data', choices=['elpv', 'fashion'])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--epochs', type=int, default=1, help='epochs of (c)-(f)')
    p.add_argument('--quick', action='store_true', help='a smaller set and fewer epochs (a smoke test, not for RESULTS.md figures)')
    a = p.parse_args()
    runs = {}
    for s in a.seeds:   # each seed's figures as it ends: a run cut short still shows what it measured
        runs[s] = run(a.data, s, a.epochs, a.quick)
        print(json.dumps({'seed': s, **{k: runs[s][k] for k in ('acc', 'secs', 'half', 'auto')}}), flush=True)
    r0 = runs[a.seeds[0]]
    accs = pd.DataFrame({s: r['acc'] for s,r in runs.items()}).T*100
    lines = [f"**{'ELPV solar cells, pretrained EfficientNet-Lite0 (fine_tune at 96 px)' if a.data=='elpv' else 'Fashion-MNIST items at random scales on a 96 px canvas (a constructed scale benchmark), XResNet trained from scratch at 48 px'}**: "
             f"{r0['n'][0]} training / {r0['n'][1]} validation images, trained at {r0['train_size']} px, test size {r0['test_size']} px "
             f"(`recommend_test_size`), {a.epochs} epoch(s) for (c)-(f), seeds {a.seeds}.\n",
             "| condition | " + ' | '.join(f'seed {s}' for s in a.seeds) + " | mean | paired diff. vs (a) | vs (b) | seconds (mean) |",
             "|---|" + "---|"*(len(a.seeds)+4)]
    for k,name in CONDITIONS.items():
        col = accs[k]
        da,db = accs[k]-accs['a'],accs[k]-accs['b']
        sec = np.mean([r['secs'][k] for r in runs.values()]) if k in r0['secs'] else float('nan')
        lines.append(f"| ({k}) {name} | " + ' | '.join(f'{v:.2f}' for v in col) +
                     f" | **{col.mean():.2f}** | {da.mean():+.2f} ± {da.std(ddof=1) if len(da)>1 else 0:.2f} | {db.mean():+.2f} ± {db.std(ddof=1) if len(db)>1 else 0:.2f} | {'' if np.isnan(sec) else f'{sec:.1f}'} |")
    lines.append("\nAccuracy in %; paired differences are mean ± standard deviation over seeds. (f) trains the whole network "
                 "with the training augmentation at the test size, as progressive resizing would. Each condition starts from the same random state, so (h), when it keeps the theory's size, is (d)'s model. (g) and (h) are scored here on the whole "
                 "validation set, half of which they chose on: the table below is the honest one.\n")
    halves = pd.DataFrame({s: r['half'] for s,r in runs.items()}).T*100
    lines.append(f"On the half of the validation set that `fixres('auto')` did not choose on ({r0['n'][1]-r0['n'][1]//2} images):\n")
    lines.append("| condition | " + ' | '.join(f'seed {s}' for s in a.seeds) + " | mean | vs (a) | vs (b') | vs (d) |\n|---|" + "---|"*(len(a.seeds)+4))
    sd = lambda d: d.std(ddof=1) if len(d) > 1 else 0
    for k,name in REPORT.items():
        col = halves[k]
        diffs = ' | '.join(f"{(col-halves[o]).mean():+.2f} ± {sd(col-halves[o]):.2f}" for o in ('a', "b'", 'd'))
        lines.append(f"| ({k}) {name} | " + ' | '.join(f'{v:.2f}' for v in col) + f" | **{col.mean():.2f}** | {diffs} |")
    for k in 'gh':
        lines.append(f"\n({k}) kept: " + ', '.join(f"seed {s}: {r['auto'][k]['choice']} at {r['auto'][k]['size']} px" for s,r in runs.items()) + ". "
                     "Fine-tuned on the half it chose on (size: accuracy %): " + '; '.join(f"seed {s}: {r['auto'][k]['fitted']}" for s,r in runs.items()) + ". "
                     "Its guard there (gain over the learner as it was ± paired bootstrap standard error, points; "
                     "an option must gain more than its error): " + '; '.join(f"seed {s}: {r['auto'][k]['gains']}" for s,r in runs.items()) + ".")
    changed = [s for s,r in runs.items() if (r['auto']['g']['choice'], r['auto']['g']['size']) != (r['auto']['h']['choice'], r['auto']['h']['size'])]
    lines.append(f"\nChoices that searching on every training image changed: {', '.join(f'seed {s}' for s in changed) or 'none'}.\n")
    sw = pd.concat([r['sweep'].set_index('size')['accuracy'].rename(f'seed {s}') for s,r in runs.items()], axis=1)*100
    sw['mean'] = sw.mean(axis=1)
    lines.append(f"The sweep of the model trained at {r0['train_size']} px, with no fine-tuning (accuracy % by test size):\n")
    lines.append("| | " + ' | '.join(str(c) for c in sw.index) + " |\n|---|" + "---|"*len(sw.index))
    for c in sw.columns: lines.append(f"| {c} | " + ' | '.join(f'{v:.2f}' for v in sw[c]) + " |")
    write_section(f'accuracy-{a.data}', '\n'.join(lines))
