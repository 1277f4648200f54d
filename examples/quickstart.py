"The README's quick start on photos that ship with fastai's dependencies: runs offline on a CPU in about a minute."
from fastai.vision.all import *
from torchvision.models import resnet18
from fixres_fastai import *
import tempfile

set_seed(42)
path = example_folder(Path(tempfile.mkdtemp())/'photos', n_train=24, n_valid=12, size=160)
dls = get_dls(64, path, bs=16)                       # train at 64 px with the FixRes train/test protocol
learn = vision_learner(dls, resnet18, pretrained=False, metrics=accuracy)   # offline: no pretrained weights here
learn.fit_one_cycle(4, 2e-3)
print('tested at 64:', learn.validate()[1])
print('tested at 80, no fine-tuning:', learn.validate(dl=dls_at(learn.dls, 80).valid)[1])
learn.fixres(80, 2)                                  # last norm layer + head, at 80 px
print('after learn.fixres(80, 2):', learn.validate()[1], '- learner now works at', learner_size(learn))
