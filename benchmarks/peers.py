"""FixRes against what a fastai user would do instead with the same minutes, from the same trained learner.

For each seed a learner is trained small (as in `finder.py`, with a test split no recipe sees), then each recipe
starts from the same weights, a fresh optimizer and the same random state, is timed, and is scored on the test split.
The recipes are written as a fastai user writes them (their DataLoaders rebuilt at the size by the notebook's own
factory), with `E` epochs at size `S` (1.5x the training size unless `--size`):

- as it was; test bigger: the same weights predicting at `S` (timm's `test_input_size`), no training;
- train more: `learn.freeze(); learn.fit(E)` at the training size;
- the blog's recipe: DataLoaders at `S` with the training augmentation, `learn.freeze(); learn.fit(E)` (every norm layer
  and the head train, statistics updated in train mode);
- progressive resizing: DataLoaders at `S`, `learn.unfreeze(); learn.fit_one_cycle(E, slice(1e-5, 1e-3))`;
- `learn.fixres(S, E)`; `learn.fixres(S, E, train='norms+head')`; `learn.fixres('auto', E)`;
  `learn.fixres('auto', E, modes=['norm+head', 'norms+head'])` (the finder chooses the size and the mode).

    python benchmarks/peers.py scenes --seeds 0 1 2
    python benchmarks/peers.py elpv --seeds 6 7 8
"""
import argparse, json, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _common import write_section
from fastai.vision.all import *
from fixres_fastai import *
from fixres_fastai.measures import Score
from finder import trained, TITLES

def recipes(S, E):
    "name: what the user runs, given the learner and the notebook's DataLoaders factory"
    def bigger(learn, dls_for): learn.dls = dls_at(learn.dls, S)
    def more(learn, dls_for): learn.freeze(); learn.fit(E)
    def blog(learn, dls_for): learn.dls = dls_for(S); learn.freeze(); learn.fit(E)
    def progressive(learn, dls_for): learn.dls = dls_for(S); learn.unfreeze(); learn.fit_one_cycle(E, slice(1e-5, 1e-3))
    return {'as it was': lambda learn, dls_for: None,
            f'test bigger at {S}': bigger,
            'train more: freeze(); fit(E)': more,
            f'blog: freeze(); fit(E) at {S}': blog,
            f'progressive resizing to {S}': progressive,
            f'fixres({S}, E)': lambda learn, dls_for: learn.fixres(S, E, show=False),
            f"fixres({S}, E, train='norms+head')": lambda learn, dls_for: learn.fixres(S, E, train='norms+head', show=False),
            "fixres('auto', E)": lambda learn, dls_for: learn.fixres('auto', E, show=False),
            "fixres('auto', E, modes=both)": lambda learn, dls_for: learn.fixres('auto', E, modes=['norm+head', 'norms+head'],
                                                                                 show=False)}

def run(data, seed, E, size, quick, only=None):
    learn,_,test_items,dls_for = trained(data, seed, quick)
    base_dls,cur = learn.dls,learner_size(learn)
    S = size or int(8*round(1.5*cur/8))
    state = {k:v.clone() for k,v in learn.model.state_dict().items()}
    score,out = Score(learn),{}
    for name,f in recipes(S, E).items():
        if only and name != 'as it was' and not any(o in name for o in only): continue
        learn.model.load_state_dict(state); learn.dls = base_dls; learn.opt = None; learn.__dict__.pop('fixres_size', None)
        set_seed(seed)   # common random numbers
        t = time.time()
        with learn.no_bar(), learn.no_logging(): res = f(learn, dls_for)
        secs = time.time()-t
        o = learn._outputs(learn.dls.test_dl(test_items, with_labels=True))   # at the size the learner predicts at now
        out[name] = dict(test=100*score(*o), secs=secs, size=learner_size(learn),
                         train=res.train if isinstance(res, SuggestedSize) and res.tune else None)   # the mode 'auto' kept
    return dict(cur=cur, S=S, E=E, recipes=out, n=(len(base_dls.train_ds), len(base_dls.valid_ds), len(test_items)))

def plot(runs, fn):
    names = list(next(iter(runs.values()))['recipes'])
    acc = np.array([[r['recipes'][n]['test'] for n in names] for r in runs.values()])
    secs = np.array([[r['recipes'][n]['secs'] for n in names] for r in runs.values()])
    fig,ax = plt.subplots(figsize=(8, 5))
    for i,n in enumerate(names):
        ax.errorbar(secs[:, i].mean(), acc[:, i].mean(), yerr=acc[:, i].std(ddof=1) if len(acc) > 1 else None, fmt='o',
                    color='C3' if n.startswith('fixres') else 'C0', capsize=3)
        ax.annotate(n, (secs[:, i].mean(), acc[:, i].mean()), textcoords='offset points', xytext=(5, 4), fontsize=8)
    ax.set_xlabel('seconds (this machine, mean over seeds)'); ax.set_ylabel('test accuracy, % (mean ± sd over seeds)')
    fig.tight_layout(); fig.savefig(fn, dpi=100)

def table(runs, data, quick):
    r0 = next(iter(runs.values()))
    names = list(r0['recipes'])
    sd = lambda d: np.std(d, ddof=1) if len(d) > 1 else 0.
    lines = [f"**{TITLES[data]}**: {r0['n'][0]} training / {r0['n'][1]} validation / {r0['n'][2]} test images, trained at {r0['cur']} px; "
             f"every recipe E={r0['E']} epoch(s), S={r0['S']} px, from the same weights; seeds {list(runs)}{' (quick)' if quick else ''}. "
             "Test accuracy (%) and seconds on this machine.\n",
             "| recipe | " + ' | '.join(f'seed {s}' for s in runs) + " | mean ± sd | − as it was | seconds |",
             "|---|" + "---|"*(len(runs)+3)]
    for n in names:
        a = np.array([r['recipes'][n]['test'] for r in runs.values()])
        d = a - np.array([r['recipes']['as it was']['test'] for r in runs.values()])
        s = np.mean([r['recipes'][n]['secs'] for r in runs.values()])
        kept = sorted({(r['recipes'][n]['size'], r['recipes'][n].get('train')) for r in runs.values()}, key=lambda k: (k[0], k[1] or ''))
        kept = ', '.join(f"{s} {t}" if t and 'modes' in n else str(s) for s,t in kept)
        lines.append(f"| {n}{' (kept ' + kept + ')' if 'auto' in n else ''} | " +
                     ' | '.join(f'{v:.2f}' for v in a) + f" | {a.mean():.2f} ± {sd(a):.2f} | {d.mean():+.2f} | {s:.0f} |")
    return '\n'.join(lines)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data', choices=['scenes', 'small', 'elpv', 'fashion'])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--epochs', type=int, default=2, help='E: epochs of every recipe that trains')
    p.add_argument('--size', type=int, default=None, help='S: the larger size (1.5x the training size if not given)')
    p.add_argument('--quick', action='store_true', help='smaller sets (a smoke test, not for RESULTS.md figures)')
    p.add_argument('--no-write', action='store_true', help='print only; leave RESULTS.md alone (the plot is written)')
    p.add_argument('--only', nargs='+', default=None,
                   help='run only the recipes whose name holds one of these (and as it was); implies --no-write, plot peers_DATA_only.png')
    a = p.parse_args()
    runs = {}
    for s in a.seeds:
        runs[s] = run(a.data, s, a.epochs, a.size, a.quick, a.only)
        print(json.dumps({'seed': s, **runs[s]}, default=float), flush=True)
    body = table(runs, a.data, a.quick)
    fn = Path(__file__).parent.parent/'nbs'/'images'/f'peers_{a.data}{"_quick" if a.quick else ""}{"_only" if a.only else ""}.png'
    fn.parent.mkdir(exist_ok=True); plot(runs, fn)
    body += f"\n\nThe accuracy-time plot: `nbs/images/{fn.name}`."
    if a.no_write or a.only: print(body)   # a partial table is not the section
    else: write_section(f"peers-{a.data}", body)
