"""How close does `fixres('auto')` land to the best fixed size, on test images no choice ever saw? And which rule chooses best?

For each seed a learner is trained small, and a test split is kept aside (as a Kaggle leaderboard: no choice, no
fine-tune, no guard ever sees it). Then, from the same weights and random state:
- `fixres_find` (the learner left as it was) fine-tunes at each candidate size and keeps every output on the validation
  set; each choice rule below reads those same outputs, so the rules differ only in how they choose;
- `fixres(s)` at every candidate size `s` (the learner's own size too: the refit alone), each scored on the test split.
  What a rule's choice scores there is what `fixres('auto')` with that rule gives (the notebook checks that 'auto''s
  weights are `fixres`'s at the size it chose, bit for bit);
- the cross-fitted worth `SuggestedSize` reports (choose on half the validation set, score on the other, both ways)
  against the gain the choice really had on the test split.

Rules: `half, guard 1` is the rule before issue 39 (choose on a random half of the validation set, keep a size if it
gains more than one standard error); `all, guard g` chooses on every validation image.

    python benchmarks/finder.py scenes --seeds 0 1 2     # large effect: photos pasted at random sizes on photos, Lite0, presizing, 64 px
    python benchmarks/finder.py small --seeds 0 1 2      # large effect, the best size near 2x: the same scenes trained at 48 px
    python benchmarks/finder.py elpv --seeds 6 7 8       # small effect: ELPV solar cells, Lite0, 96 px
    python benchmarks/finder.py fashion --seeds 6 7 8    # small effect: Fashion-MNIST on a 96 px canvas, XResNet from scratch, 48 px
"""
import argparse, json, math, shutil, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _common import write_section, scale_canvas, scale_learner
from fastai.vision.all import *
from fixres_fastai import *
from fixres_fastai.demo import elpv_table, elpv_root, lite0_learner, lite0_stats
from fixres_fastai.measures import Score, SizeMeasures, paired_gain, _fingerprint, _half_idxs
from fixres_fastai.finder import _find_choice, _cross_fit, _worth

GUARDS = (1., 0.5, 0., -math.inf)

TITLES = {'scenes': "Scenes: `example_folder(size=192, scale=(0.2, 0.5))`, photos pasted at random sizes on other photos (3 classes), "
                    "pretrained EfficientNet-Lite0, `from_folder` with presizing (`Resize(128)` + `aug_transforms(size=64, min_scale=0.35)`), `fine_tune(3, 1e-2)`",
          'small': "The same scenes trained at 48 px (`aug_transforms(size=48, min_scale=0.35)`), far below the 224 px of the pretrained weights",
          'elpv': 'ELPV solar cells, pretrained EfficientNet-Lite0, `get_dls(96)`, `fine_tune(3, 2e-3)`',
          'fashion': 'Fashion-MNIST items at random scales on a 96 px canvas, XResNet from scratch, `get_dls(48)`, `fit_one_cycle(6, 3e-3)`'}

def _scenes(data, seed, quick):
    "Scenes learner and its test items: a second `example_folder` drawn with another seed"
    n = (100, 50, 100) if quick else (400, 200, 200)
    tmp = Path(tempfile.gettempdir())   # the same images for both: only the training size differs
    path = example_folder(tmp/f'fixres_scenes_{n[0]}_{seed}', n_train=n[0], n_valid=n[1], size=192, scale=(0.2, 0.5), seed=seed)
    test = example_folder(tmp/f'fixres_scenes_test_{n[2]}_{seed}', n_train=0, n_valid=n[2], size=192, scale=(0.2, 0.5), seed=seed+1000)
    def dls_for(size):   # as the user's notebook builds them
        return ImageDataLoaders.from_folder(path, valid='valid', bs=16, item_tfms=Resize(128),
                                            batch_tfms=[*aug_transforms(size=size, min_scale=0.35), Normalize.from_stats(*lite0_stats)])
    learn = lite0_learner(dls_for(64 if data == 'scenes' else 48), metrics=accuracy)   # stands in for vision_learner(dls, 'tf_efficientnet_lite0'), pretrained
    with learn.no_bar(), learn.no_logging(): learn.fine_tune(1 if quick else 3, 1e-2)
    return learn, None, get_image_files(test/'valid'), dls_for

def trained(data, seed, quick):
    "A learner trained small on `data`, the learning rate its fine-tunes use, test items it never saw, and its DataLoaders at a size"
    set_seed(seed)
    if data in ('scenes', 'small'): return _scenes(data, seed, quick)
    if data == 'elpv':
        df = elpv_table(800 if quick else None, seed).sample(frac=1., random_state=seed)
        test,rest = df.iloc[:len(df)//5],df.iloc[len(df)//5:]   # a fifth kept aside; the rest split 75 / 25
        def dls_for(size): return get_dls(size, rest.reset_index(drop=True), path=elpv_root(), fn_col='fname', label_col='label',
                                          valid_pct=0.25, seed=seed, stats=lite0_stats, bs=32)
        learn = lite0_learner(dls_for(96), metrics=accuracy)
        with learn.no_bar(), learn.no_logging(): learn.fine_tune(1 if quick else 3, 2e-3)
        return learn, 2e-3, test.reset_index(drop=True), dls_for
    path = scale_canvas(n_train=2000 if quick else 6000, n_valid=4000)
    test = path/'test'
    if not test.exists():   # the second 2,000 of the canvas's validation items, moved aside once
        for f in get_image_files(path/'valid'):
            if int(f.stem) >= 2000: (test/f.parent.name).mkdir(parents=True, exist_ok=True); shutil.move(str(f), test/f.parent.name/f.name)
    def dls_for(size): return get_dls(size, path, bs=64)
    learn = scale_learner(dls_for(48))
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(2 if quick else 6, 3e-3)
    return learn, 1e-3, get_image_files(test), dls_for

def _rule_outputs(m, found, base_fp):
    "The finder's outputs on every validation image: the learner as it was at its size, and each size fine-tuned"
    tuned = {k[1]: (e[0], e[1]) for k,e in m.outs.items() if k[0] != base_fp and e[2].all()}
    sizes = [int(s) for s,t in found.table[['size', 'fine-tuned']].itertuples(index=False) if not np.isnan(t)]
    return m.outputs(found.trained_at), {s: tuned[s] for s in sizes}

def run(data, seed, epochs, quick):
    learn,lr,test_items,_ = trained(data, seed, quick)
    base_dls,cur = learn.dls,learner_size(learn)
    state = {k:v.clone() for k,v in learn.model.state_dict().items()}
    def reset(): learn.model.load_state_dict(state); learn.dls = base_dls; learn.__dict__.pop('fixres_size', None)
    score = Score(learn)
    def on_test(): return learn._outputs(learn.dls.test_dl(test_items, with_labels=True))   # at the learner's size now
    def timed(f):
        set_seed(seed)   # common random numbers: every condition draws the same stream
        t = time.time()
        with learn.no_bar(), learn.no_logging(): out = f()
        return out, time.time()-t
    m,fp = SizeMeasures(learn),_fingerprint(learn.model)
    found,find_s = timed(lambda: learn.fixres_find(epochs, lr=lr, seed=seed, guard=1., plot=False, measures=m))
    base,outs = _rule_outputs(m, found, fp)
    was = on_test()
    test,secs = {},{}
    for s in outs:   # `fixres` at every size the finder fine-tuned, the training size too
        _,secs[s] = timed(lambda: learn.fixres(s, epochs, lr=lr, show=False))
        test[s] = on_test(); reset()
    pct = lambda o: 100*score(*o)
    def result(size, tune):
        o = test[size] if tune else was
        g,se = paired_gain(score, was, o, seed=seed)
        return dict(size=int(size) if tune else 'keep', test=pct(o), gain=100*g, se=100*se)
    rules = {'half, guard 1': result(*_find_choice(score, cur, outs, base, 1., seed, idxs=_half_idxs(m.n, seed)[0])[:2])}
    worth = {}
    for g in GUARDS:
        rules[f'all, guard {g:g}'] = result(*_find_choice(score, cur, outs, base, g, seed)[:2])
        c = _cross_fit(score, cur, outs, base, g, seed)
        w,se = _worth(c)
        worth[f'{g:g}'] = dict(gain=100*w, se=100*se, chose=[r['size'] if r['tune'] else 'keep' for _,r in c.iterrows()])
    best = max(test, key=lambda s: score(*test[s]))
    return dict(cur=cur, theory=found.theory, finder={int(s): dict(plain=float(p), tuned=float(t)) for s,p,t in found.table[['size', 'no training', 'fine-tuned']].itertuples(index=False) if not np.isnan(t)},
                test=dict(as_was=pct(was), **{str(s): pct(o) for s,o in test.items()}), best=int(best), rules=rules, worth=worth,
                secs=dict(find=find_s, **{str(s): v for s,v in secs.items()}), n=(len(base_dls.train_ds), len(base_dls.valid_ds), len(test_items)))

def table(runs, quick, epochs, data):
    r0 = next(iter(runs.values()))
    seeds = list(runs)
    sizes = sorted({int(k) for r in runs.values() for k in r['test'] if k.isdigit()})
    lines = [f"**{TITLES[data]}**: {r0['n'][0]} training / {r0['n'][1]} validation / {r0['n'][2]} test images, trained at {r0['cur']} px, "
             f"{epochs} epoch(s) for every fine-tune, seeds {seeds}{' (quick)' if quick else ''}. Accuracy (%) on the test split.\n",
             "| seed | as it was | " + ' | '.join(f'`fixres({s})`' for s in sizes) + ' | best fixed | ' + ' | '.join(f'{k}' for k in r0['rules']) + ' |',
             "|---|" + "---|"*(len(sizes)+2+len(r0['rules']))]
    for s,r in runs.items():
        t = r['test']
        lines.append(f"| {s} | {t['as_was']:.2f} | " + ' | '.join(f"{t[str(k)]:.2f}" if str(k) in t else '-' for k in sizes) + f" | {r['best']} | " +
                     ' | '.join(f"{v['size']}: {v['test']:.2f}" for v in r['rules'].values()) + ' |')
    sd = lambda d: np.std(d, ddof=1) if len(d) > 1 else 0.
    lines += ["", "| rule | mean test % | − best fixed size: mean (worst seed) | − as it was: mean (worst seed, its SE) | worth it reports, cross-fitted: mean |", "|---|---|---|---|---|"]
    for k in r0['rules']:
        v = [r['rules'][k] for r in runs.values()]
        to_best = [x['test'] - r['test'][str(r['best'])] for x,r in zip(v, runs.values())]
        w = min(v, key=lambda x: x['gain'])
        g = k.split('guard ')[1]
        cf = (f"{np.mean([r['worth'][g]['gain'] for r in runs.values()]):+.2f}" if k.startswith('all') else '-')
        lines.append(f"| {k} | {np.mean([x['test'] for x in v]):.2f} | {np.mean(to_best):+.2f} ({min(to_best):+.2f}) | "
                     f"{np.mean([x['gain'] for x in v]):+.2f} ({w['gain']:+.2f}, SE {w['se']:.2f}) | {cf} |")
    lines.append(f"\nSeconds (this machine): the finder {np.mean([r['secs']['find'] for r in runs.values()]):.0f}; one `fixres` epoch at " +
                 ', '.join(f"{s}: {np.mean([r['secs'][str(s)] for r in runs.values() if str(s) in r['secs']])/epochs:.0f}" for s in sizes) + '.')
    return '\n'.join(lines)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data', choices=list(TITLES))
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--epochs', type=int, default=1, help='epochs of every fine-tune')
    p.add_argument('--quick', action='store_true', help='smaller sets and fewer epochs (a smoke test, not for RESULTS.md figures)')
    p.add_argument('--no-write', action='store_true', help='print only; leave RESULTS.md alone')
    p.add_argument('--from-log', help="a log of this script's per-seed JSON lines: make the table from them, run nothing")
    a = p.parse_args()
    runs = {}
    if a.from_log:
        for l in Path(a.from_log).read_text().splitlines():
            if l.startswith('{"seed"'): r = json.loads(l); runs[r.pop('seed')] = r
    for s in ([] if a.from_log else a.seeds):   # each seed's figures as it ends: a run cut short still shows what it measured
        runs[s] = run(a.data, s, a.epochs, a.quick)
        print(json.dumps({'seed': s, **runs[s]}, default=float), flush=True)
    body = table(runs, a.quick, a.epochs, a.data)
    if a.no_write: print(body)
    else: write_section(f"finder-{a.data}", body)
