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
