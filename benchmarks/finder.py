"""`fixres_find` and `fixres('auto')` against every fixed size, on images no choice saw, over several seeds.

For each seed a learner is trained small, then from the same weights and random state:
- `fixres_find` (the learner left as it was) gives each candidate's score with no training and fine-tuned, on the
  choosing half of the validation set, and its suggestion;
- `fixres(s)` at every candidate size `s`, scored on the other half, which no choice saw: the best fixed size there is
  the target 'auto' should land near; and `fixres` at the training size itself, a control: the head and norm layer
  refit on the test pipeline with no change of size;
- `fixres('auto')`, scored on that half too, with its cost as a multiple of one `fixres` epoch at the size it chose.

    python benchmarks/finder.py scenes --seeds 0 1 2    # the README's scenes (photos pasted on photos), pretrained EfficientNet-Lite0, presizing, 64 px
    python benchmarks/finder.py elpv --seeds 6 7 8      # ELPV solar cells, pretrained EfficientNet-Lite0, 96 px
    python benchmarks/finder.py fashion --seeds 6 7 8   # the Fashion canvas, XResNet from scratch, 48 px
"""
import argparse, json, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _common import write_section, scale_canvas, scale_learner
from fastai.vision.all import *
from fixres_fastai import *
from fixres_fastai.demo import elpv_dls, lite0_learner, lite0_stats
from fixres_fastai.measures import halves
from fixres_fastai.data import dl_at

GUARDS = (0., -np.inf)   # other guards the table shows (besides 'auto''s, 1): any gain on the choosing half; the best fine-tuned size whatever its gain

TITLES = {'scenes': "The README's scenes at a larger size: `example_folder(scale=(0.2, 0.5))`, photos pasted at random sizes on other real photos (3 classes: which photo the object is; a constructed scale benchmark), "
                    "pretrained EfficientNet-Lite0, `ImageDataLoaders.from_folder` with presizing (`Resize(128)` + `aug_transforms(size=64, min_scale=0.35)`), `fine_tune(3, 1e-2)`",
          'elpv': 'ELPV solar cells, pretrained EfficientNet-Lite0, `fine_tune(3)` at 96 px',
          'fashion': 'Fashion-MNIST items at random scales on a 96 px canvas, XResNet from scratch at 48 px'}

def trained(data, seed, quick):
    "A learner trained small on `data`, and the learning rate its fine-tunes use"
    set_seed(seed)
    if data == 'scenes':   # the README's quick start, with 4x the images
        n = (150, 75) if quick else (400, 200)
        path = example_folder(Path(tempfile.gettempdir())/f'fixres_scenes_{n[0]}_{n[1]}_{seed}', n_train=n[0], n_valid=n[1], size=192, scale=(0.2, 0.5), seed=seed)
        dls = ImageDataLoaders.from_folder(path, valid='valid', bs=16, item_tfms=Resize(128),
                                           batch_tfms=[*aug_transforms(size=64, min_scale=0.35), Normalize.from_stats(*lite0_stats)])
        learn = lite0_learner(dls, metrics=accuracy)    # stands in for vision_learner(dls, 'tf_efficientnet_lite0'), pretrained
        with learn.no_bar(), learn.no_logging(): learn.fine_tune(1 if quick else 3, 1e-2)
        return learn, None
    if data == 'elpv':
        learn = lite0_learner(elpv_dls(96, n=800 if quick else None, seed=seed, bs=32), metrics=accuracy)
        with learn.no_bar(), learn.no_logging(): learn.fine_tune(1 if quick else 3, 2e-3)
        return learn, 2e-3
    learn = scale_learner(get_dls(48, scale_canvas(n_train=2000 if quick else 6000), bs=64))
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(2 if quick else 6, 3e-3)
    return learn, 1e-3

def run(data, seed, epochs, quick):
    learn,lr = trained(data, seed, quick)
    base_dls,cur = learn.dls,learner_size(learn)
    state = {k:v.clone() for k,v in learn.model.state_dict().items()}
    def reset(): learn.model.load_state_dict(state); learn.dls = base_dls; learn.__dict__.pop('fixres_size', None)
    rep = halves(base_dls.valid, seed)[1]                  # the half `fixres('auto', seed=seed)` reports on
    def held():
        with learn.no_bar(): return float(learn.validate(dl=dl_at(rep, learner_size(learn), test=True))[1])
    def timed(f):
        set_seed(seed)   # common random numbers: every condition draws the same stream
        t = time.time()
        with learn.no_bar(), learn.no_logging(): out = f()
        return out, time.time()-t
    found,find_s = timed(lambda: learn.fixres_find(epochs, lr=lr, seed=seed, plot=False))
    unchanged = learn.dls is base_dls and all(torch.equal(v, state[k]) for k,v in learn.model.state_dict().items())
    as_was = held()
    sizes = [s for s in found.table['size'] if s != cur]
    fixed,fixed_s = {},{}
    for s in [cur]+sizes:   # at `cur` too: the head and norm layer refit with no change of size, a control for how much of a gain is the size's
        _,fixed_s[s] = timed(lambda: learn.fixres(s, epochs, lr=lr, show=False))
        fixed[s] = held(); reset()
    same = fixed[cur]
    r,auto_s = timed(lambda: learn.fixres('auto', epochs, lr=lr, seed=seed, show=False))
    auto = held(); reset()
    best = max(fixed, key=fixed.get)   # the refit at the training size among them: the finder tries it too
    guards = {}                         # what 'auto' would have kept with another guard: the same finder, read again (`suggest`)
    for g in GUARDS:
        s,tune = found.suggest(g)
        guards[str(g)] = dict(size=int(s) if tune else 'keep', held=fixed[s] if tune else as_was)
    one_epoch = fixed_s[r.size if r.tune else found.best]/epochs   # at the size chosen, or the best fine-tuned where 'auto' kept the learner
    return dict(cur=cur, theory=found.theory, suggestion=int(found.size) if found.tune else 'keep', auto_size=int(r.size), unchanged=unchanged,
                finder={int(s): dict(plain=float(p), tuned=None if np.isnan(t) else float(t), gain=float(g), se=float(e)) for s,p,t,g,e in found.table[['size', 'no training', 'fine-tuned', 'gain', 'se']].itertuples(index=False)},
                held=dict(as_was=as_was, same_size=same, auto=auto, best=fixed[best], **{str(s): v for s,v in fixed.items() if s != cur}), best_fixed=int(best), guards=guards,
                secs=dict(find=find_s, auto=auto_s, fixed={str(s): v for s,v in fixed_s.items()}),
                cost_x=dict(find=find_s/one_epoch, auto=auto_s/one_epoch),
                n=(len(base_dls.train_ds), len(base_dls.valid_ds), len(rep.dataset)))

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data', choices=list(TITLES))
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--epochs', type=int, default=1, help='epochs of every fine-tune')
    p.add_argument('--quick', action='store_true', help='smaller sets and fewer epochs (a smoke test, not for RESULTS.md figures)')
    p.add_argument('--no-write', action='store_true', help='print only; leave RESULTS.md alone')
    a = p.parse_args()
    runs = {}
    for s in a.seeds:   # each seed's figures as it ends: a run cut short still shows what it measured
        runs[s] = run(a.data, s, a.epochs, a.quick)
        print(json.dumps({'seed': s, **runs[s]}, default=float), flush=True)
    r0 = runs[a.seeds[0]]
    sizes = sorted({int(k) for r in runs.values() for k in r['held'] if k.isdigit()})
    pct = lambda v: f'{100*v:.2f}'
    lines = [f"**{TITLES[a.data]}**: {r0['n'][0]} training / {r0['n'][1]} validation images, trained at {r0['cur']} px, {a.epochs} epoch(s) "
             f"for every fine-tune, seeds {a.seeds}{' (quick)' if a.quick else ''}. Held out: the half of the validation set no choice saw ({r0['n'][2]} images).\n",
             f"| seed | theory | finder: fine-tuned on the choosing half (size: %) | suggestion | held out: as it was | `fixres({r0['cur']})`: same size | " + ' | '.join(f'`fixres({s})`' for s in sizes) +
             " | `fixres('auto')` | auto − best fixed | auto − as it was | " + ' | '.join(f'guard {g:g}: kept, held out' for g in GUARDS) +
             " | finder cost (x one epoch) | auto cost (x) | learner unchanged by the finder |",
             "|---|" + "---|"*(len(sizes)+11+len(GUARDS))]
    for s,r in runs.items():
        tuned = ', '.join(f"{k}: {pct(v['tuned'])}" for k,v in r['finder'].items() if v['tuned'] is not None)
        h = r['held']
        lines.append(f"| {s} | {r['theory']} | {tuned} | {r['suggestion']} | {pct(h['as_was'])} | {pct(h['same_size'])} | " + ' | '.join(pct(h[str(k)]) if str(k) in h else '-' for k in sizes) +
                     f" | **{pct(h['auto'])}** | {100*(h['auto']-h['best']):+.2f} | {100*(h['auto']-h['as_was']):+.2f} | " +
                     ''.join(f"{r['guards'][str(g)]['size']}, {pct(r['guards'][str(g)]['held'])} | " for g in GUARDS) +
                     f"{r['cost_x']['find']:.1f} | {r['cost_x']['auto']:.1f} | {r['unchanged']} |")
    d_best = np.array([100*(r['held']['auto']-r['held']['best']) for r in runs.values()])
    d_was = np.array([100*(r['held']['auto']-r['held']['as_was']) for r in runs.values()])
    d_same = np.array([100*(r['held']['auto']-r['held']['same_size']) for r in runs.values()])
    sd = lambda d: d.std(ddof=1) if len(d) > 1 else 0.
    d_guard = {g: (np.array([100*(r['guards'][str(g)]['held']-r['held']['best']) for r in runs.values()]),
                   np.array([100*(r['guards'][str(g)]['held']-r['held']['as_was']) for r in runs.values()])) for g in GUARDS}
    lines.append(f"\nMean over seeds, in points on the held-out half: `fixres('auto')` − the best fixed size there {d_best.mean():+.2f} ± {sd(d_best):.2f}; "
                 f"− the learner as it was {d_was.mean():+.2f} ± {sd(d_was):.2f}; − `fixres` at the training size (the refit alone, no change of size) {d_same.mean():+.2f} ± {sd(d_same):.2f} "
                 "(± standard deviation of the paired difference). " +
                 ' '.join(f"With guard {g:g} instead of 1 (the same finder, read with `suggest`): − the best fixed size {b.mean():+.2f} ± {sd(b):.2f}; − the learner as it was {w.mean():+.2f} ± {sd(w):.2f}." for g,(b,w) in d_guard.items()) +
                 " "
                 "The best fixed size (the training size's refit among them) is chosen on the held-out half itself: an oracle no method can see. 'keep': the finder suggested the learner as it was. The cost is the seconds of `fixres_find` "
                 "(and of the whole `fixres('auto')`) over those of one `fixres` epoch at the size 'auto' chose (the best fine-tuned size where it kept the learner).")
    body = '\n'.join(lines)
    if a.no_write: print(body)
    else: write_section(f"finder-{a.data}", body)
