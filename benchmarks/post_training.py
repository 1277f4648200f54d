"""What the main job costs after training: `fixres-fastai train` on a folder of about 3,000 images, its stages timed.

The command trains (fine_tune of the pretrained EfficientNet-Lite0 at 128 px), then runs `fixres('auto')` (whose
finder fine-tunes at every candidate size and whose table is the command's sweep) and exports. This prints each stage's seconds, as the command logs them, and the ratio of everything
after training (from the end of training to the results table) to the training itself. Goal: at most 0.6x.

    python benchmarks/post_training.py                 # all 2,624 ELPV cells as a folder of class folders, 20% for validation
    python benchmarks/post_training.py --n 800 --epochs 1 --no-write   # a quick look
"""
import argparse, os, re, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from _common import write_section

def elpv_folder(n=None, seed=0) -> Path:
    "The ELPV cells (`n` of them, stratified) as a folder of class folders, linked from the `[demo]` extra's files"
    from fixres_fastai.demo import elpv_table, elpv_root
    df = elpv_table(n, seed)
    root = Path(tempfile.gettempdir())/f'fixres_elpv_folder_{len(df)}'
    if not (root/'.complete').exists():
        for _,r in df.iterrows():
            d = root/r['label']; d.mkdir(parents=True, exist_ok=True)
            if not (d/Path(r['fname']).name).exists(): os.symlink(elpv_root()/r['fname'], d/Path(r['fname']).name)
        (root/'.complete').write_text('')
    return root

def run(folder, epochs, size, extra=()):
    "Run the command (the package of this checkout), timestamp each line it prints, and return the stages' seconds and the post-training seconds"
    cmd = [sys.executable, '-c', 'import sys; from fixres_fastai.cli import main; sys.exit(main())', 'train', str(folder), '--valid-pct', '0.2', '--size', str(size),
           '--epochs', str(epochs), '--out', tempfile.mkdtemp(prefix='fixres_post_'), *extra]
    t0,stages,trained,lines = time.time(),{},None,[]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=Path(__file__).parent.parent, env={**os.environ, 'PYTHONUNBUFFERED': '1'})
    for line in p.stdout:
        print(line, end='', flush=True)
        lines.append(line)
        if m := re.match(r'(.+): (\d+(?:\.\d+)?) s$', line.strip()):
            stages[m[1]] = float(m[2])
            if m[1].startswith(('fine_tune', 'fit_one_cycle')): trained = time.time()
    if p.wait(): raise SystemExit(f"the command failed ({p.returncode})")
    end = time.time()
    train_s = next(v for k,v in stages.items() if k.startswith(('fine_tune', 'fit_one_cycle')))
    return stages, train_s, end-trained, end-t0

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--n', type=int, default=None, help='ELPV cells to use (all 2,624 if not given)')
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--size', type=int, default=128)
    p.add_argument('--label', default='', help='what this run measures (a commit, "before", "after")')
    p.add_argument('--no-write', action='store_true', help='print only; leave RESULTS.md alone')
    a = p.parse_args()
    folder = elpv_folder(a.n)
    n = sum(1 for f in folder.rglob('*.png'))
    stages,train_s,post_s,all_s = run(folder, a.epochs, a.size)
    rows = '\n'.join(f"| {k} | {v:.0f} |" for k,v in stages.items())
    body = (f"`fixres-fastai train` on {n} ELPV cells as class folders (`--valid-pct 0.2 --size {a.size} --epochs {a.epochs}`, pretrained "
            f"EfficientNet-Lite0){', ' + a.label if a.label else ''}.\n\n| stage, as the command logs it | seconds |\n|---|---|\n{rows}\n"
            f"| everything after training ('auto', export, results) | {post_s:.0f} |\n| the whole command | {all_s:.0f} |\n\n"
            f"After training / training: **{post_s/train_s:.2f}x** (goal: at most 0.6x).")
    if a.no_write: print(body)
    else: write_section(f"post-training{'-' + a.label if a.label else ''}", body)

if __name__ == '__main__': main()
