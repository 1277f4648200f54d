"Shared by the benchmark scripts: the machine's description and the sections of RESULTS.md."
import json, os, platform, re, subprocess, sys, tempfile, time
from pathlib import Path
import torch

RESULTS = Path(__file__).parent/'RESULTS.md'

def machine() -> str:
    dev = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'CPU only'
    cpu = platform.processor() or platform.machine()
    return (f"{platform.node() or 'host'}: {os.cpu_count()} CPU cores ({cpu}), torch {torch.__version__} "
            f"({torch.get_num_threads()} threads), device: {dev}, Python {platform.python_version()}")

def command() -> str: return 'python ' + ' '.join([f'benchmarks/{Path(sys.argv[0]).name}'] + sys.argv[1:])

def write_section(name:str, body:str):
    "Replace (or add) the section `name` of RESULTS.md, marked by HTML comments, with the command, machine and date"
    head = f"<!-- {name} -->\n_Command: `{command()}` · {time.strftime('%Y-%m-%d')} · {machine()}_\n\n"
    block = head + body.strip() + f"\n<!-- /{name} -->"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\nWritten by the scripts in `benchmarks/`; each section names the command that wrote it.\n"
    pat = re.compile(rf"<!-- {re.escape(name)} -->.*?<!-- /{re.escape(name)} -->", re.S)
    text = pat.sub(lambda m: block, text) if pat.search(text) else text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text)
    print(block)

def scale_canvas(n_train:int=6000, n_valid:int=2000) -> Path:
    "The scale benchmark's Fashion-MNIST canvas, made once in the temporary folder"
    from fixres_fastai.demo import fashion_canvas
    return fashion_canvas(Path(tempfile.gettempdir())/'fixres_fashion_canvas', n_train=n_train, n_valid=n_valid)

def scale_learner(dls):
    "The scale benchmark's model on `dls`: a small XResNet (one block per stage, half width), from scratch"
    from fastai.vision.all import Learner, XResNet, ResBlock, accuracy
    return Learner(dls, XResNet(ResBlock, 1, [1,1,1,1], n_out=dls.c, widen=0.5), metrics=accuracy)

def in_own_process(script, *args, flag='--one') -> dict:
    "Run `script --one ARGS` (or `flag`) in a fresh Python, so that its peak memory is its own, and return the dict it printed last as JSON"
    out = subprocess.run([sys.executable, str(script), flag, *map(str, args)], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])

def photo_scenes(n_train:int=2000, n_valid:int=800, canvas:int=192, scale=(0.2, 0.7), seed:int=0) -> Path:
    """Fashion-MNIST items at random scales and positions on random crops of real photos (the ones scikit-learn and matplotlib
    ship), tinted so they stand out, as an ImageNet-style folder made once in the temporary folder: a scale benchmark where a
    pretrained network meets real-photo backgrounds and small objects that need resolution"""
    import numpy as np
    from PIL import Image
    from fixres_fastai.demo import fashion_root, fashion_classes, _idx
    from fixres_fastai.data import _example_photos
    dest = Path(tempfile.gettempdir())/f'fixres_photo_scenes_{n_train}_{n_valid}_{canvas}_{seed}'
    if (dest/'.complete').exists(): return dest
    rng = np.random.default_rng(seed)
    photos = [Image.open(f).convert('RGB') for f in _example_photos()]
    for split,pre,n in (('train','train',n_train), ('valid','t10k',n_valid)):
        x,y = _idx(fashion_root/f'{pre}-images-idx3-ubyte.gz'),_idx(fashion_root/f'{pre}-labels-idx1-ubyte.gz')
        for c in fashion_classes: (dest/split/c).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            ph = photos[rng.integers(len(photos))]
            side = int(rng.integers(canvas, min(ph.size)+1))
            l,t = rng.integers(0, ph.size[0]-side+1),rng.integers(0, ph.size[1]-side+1)
            bg = ph.crop((int(l), int(t), int(l)+side, int(t)+side)).resize((canvas, canvas), Image.BILINEAR)
            obj = int(rng.uniform(*scale)*canvas)
            item = Image.fromarray(x[i]).resize((obj, obj), Image.BILINEAR)
            colour = tuple(int(v) for v in rng.integers(0, 256, 3))
            ol,ot = rng.integers(0, canvas-obj+1, 2)
            bg.paste(Image.new('RGB', (obj, obj), colour), (int(ol), int(ot)), item)     # the item's brightness as its mask
            bg.save(dest/split/fashion_classes[y[i]]/f'{i:05d}.jpg', quality=90)
    (dest/'.complete').write_text('')
    return dest
