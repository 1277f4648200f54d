"`learn.fixres` inside `learn.distrib_ctx()` with two real CPU processes on the gloo backend (slow: each process starts Python and fastai)"
import os, socket, subprocess, sys
from pathlib import Path
import pytest, torch
from fastcore.test import test_eq, test_close
from fixres_fastai import learner_size
from distrib_worker import tiny_learner

def _free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def launch(path, out, sync_bn):
    "Run `distrib_worker.py` as ranks 0 and 1; return their results and standard outputs"
    env = {**os.environ, 'MASTER_ADDR':'127.0.0.1', 'MASTER_PORT':str(_free_port()), 'WORLD_SIZE':'2', 'OMP_NUM_THREADS':'1'}
    worker = Path(__file__).parent/'distrib_worker.py'
    ps = [subprocess.Popen([sys.executable, str(worker), str(path), str(out), str(int(sync_bn))], env={**env, 'RANK':str(r), 'LOCAL_RANK':str(r)},
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for r in range(2)]
    outs = [p.communicate(timeout=600) for p in ps]
    for p,(o,e) in zip(ps, outs): assert p.returncode == 0, e[-4000:]
    return [torch.load(out/f'rank{r}.pth') for r in range(2)], [o for o,e in outs]

@pytest.mark.slow
def test_fixres_two_processes(photos, tmp_path):
    (r0,r1),(out0,out1) = launch(photos, tmp_path, sync_bn=False)
    assert 'error' not in r0, r0.get('error')
    for k in r0['fixres']: test_eq(r0['fixres'][k], r1['fixres'][k])                # every process ends with identical weights and statistics
    changed = {k.rsplit('.', 1)[0] for k,v in r0['fixres'].items() if not torch.equal(v, r0['before'][k])}
    test_eq(changed, {'1.1', '4'})                                                       # only the last BatchNorm and the head trained
    test_eq(r0['size'], 80)
    assert 'epoch' in out0 and 'epoch' not in out1                                       # only rank 0 prints
    # label-free statistics over both processes' shares equal one process's over all the training images
    learn = tiny_learner(photos)
    learn.model.load_state_dict(r0['before'])
    learn.fixres(80, 1, train='stats')
    for k in ('1.1.running_mean', '1.1.running_var'):
        test_eq(r0['stats'][k], r1['stats'][k])
        test_close(r0['stats'][k], learn.model.state_dict()[k], eps=1e-4)
        assert not torch.allclose(r0['stats'][k], r0['before'][k])

@pytest.mark.slow
def test_fixres_sync_bn_on_cpu(photos, tmp_path):
    (r0,r1),_ = launch(photos, tmp_path, sync_bn=True)
    for r in (r0, r1):
        assert 'sync_bn=False' in r['error'] and '1.1' in r['error']
        for k in r['before']: test_eq(r['fixres'][k], r['before'][k])                  # refused before anything changed
        assert 'SyncBatchNorm' not in r['types']
