"""One process of the two-process test in `test_distributed.py` (started with RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set):
`learn.fixres` inside fastai's `learn.distrib_ctx()` on the CPU (gloo), saving what the test compares.

    python tests/distrib_worker.py FOLDER OUT SYNC_BN
"""
import sys
from fastai.vision.all import *
from fastai.distributed import *
from fixres_fastai import *

@patch
def _broadcast(self:DistributedDL, t, rank):
    "fastai 2.8.12 sends the shuffled indices as CUDA tensors (for nccl), so its `DistributedDL` needs a GPU: on gloo keep them on the CPU"
    t = LongTensor(t)
    if torch.distributed.get_backend() == 'nccl': t = t.cuda()
    torch.distributed.broadcast(t, rank)
    return t.cpu().tolist()

def tiny_learner(path):
    "Two conv layers with BatchNorm, global pooling and a linear head; batch size 1, so that every image weighs the same in the statistics"
    set_seed(0)
    dls = get_dls(64, path, bs=1, num_workers=0, flip=False)   # no random flips: the statistics are exact
    model = nn.Sequential(ConvLayer(3, 8, stride=2), ConvLayer(8, 16, stride=2), nn.AdaptiveAvgPool2d(1), Flatten(), nn.Linear(16, dls.c))
    return Learner(dls, model, metrics=accuracy)

def state(learn): return {k:v.clone() for k,v in learn.model.state_dict().items()}

if __name__ == '__main__':
    path,out,sync_bn = Path(sys.argv[1]),Path(sys.argv[2]),sys.argv[3]=='1'
    rank = rank_distrib()
    learn = tiny_learner(path)
    res = dict(before=state(learn))
    try:
        with learn.distrib_ctx(sync_bn=sync_bn, cpu=True): learn.fixres(80, 2, lr=1e-2)
    except ValueError as e: res['error'] = str(e)
    res['fixres'],res['size'] = state(learn),learner_size(learn)
    learn.model.load_state_dict(res['before'])
    if 'error' not in res:
        with learn.distrib_ctx(sync_bn=sync_bn, cpu=True): learn.fixres(80, 1, train='stats')
        res['stats'] = state(learn)
    res['types'] = sorted({type(m).__name__ for m in learn.model.modules()})
    torch.save(res, out/f'rank{rank}.pth')
    # accelerate starts the process group and leaves it: gloo's threads outliving the interpreter abort the process (SIGABRT)
    if torch.distributed.is_initialized(): torch.distributed.barrier(); torch.distributed.destroy_process_group()
