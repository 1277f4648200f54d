"Messy real folders, built at test time: every mode, EXIF orientation, stray and broken files, a large JPEG."
import warnings
import numpy as np, pytest
from PIL import Image
from fastai.vision.all import *
from fixres_fastai import *
from fixres_fastai.data import _ImageOpener

def _messy(root):
    rng = np.random.default_rng(0)
    rgb = lambda: Image.fromarray(rng.integers(0, 255, (40, 60, 3), dtype=np.uint8))
    for split in ('train', 'valid'):
        for c in ('a', 'b'):
            d = root/split/c; d.mkdir(parents=True)
            rgb().convert('L').save(d/'grey.png')
            rgb().convert('P').save(d/'palette.png', transparency=0)
            rgb().convert('RGBA').save(d/'rgba.png')
            rgb().convert('CMYK').save(d/'cmyk.jpg')
            Image.fromarray((rng.integers(0, 65535, (40, 60))).astype(np.uint16)).save(d/'deep.png')   # 16-bit
            im = rgb(); ex = im.getexif(); ex[0x0112] = 6; im.save(d/'rotated.jpg', exif=ex)          # EXIF: rotate 90
            (d/'notes.txt').write_text('not an image')
    bad = root/'train'/'a'
    (bad/'corrupt.jpg').write_bytes(b'this is not a jpeg')
    b = io.BytesIO(); rgb().save(b, 'JPEG'); (bad/'truncated.jpg').write_bytes(b.getvalue()[:len(b.getvalue())//2])
    return root

def test_messy_folder_loads_with_a_warning_naming_the_broken_files(tmp_path):
    root = _messy(tmp_path/'messy')
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        dls = get_dls(32, root, bs=4)
    msg = ' '.join(str(x.message) for x in w)
    assert 'skipping 2 of' in msg and 'corrupt.jpg (not an image' in msg and 'truncated.jpg (truncated JPEG)' in msg
    assert len(dls.train_ds) == 12 and len(dls.valid_ds) == 12          # 6 images per class, .txt ignored
    for dl in (dls.train, dls.valid):
        for x,y in dl: assert x.shape[1:] == (3, 32, 32) and x.dtype == torch.float32 or x.dtype == torch.uint8

def test_modes_and_exif(tmp_path):
    root = _messy(tmp_path/'messy')
    op = _ImageOpener()
    for f in (root/'valid'/'a').iterdir():
        if f.suffix == '.txt': continue
        im = op(f)
        assert im.mode == 'RGB', f
        assert im.size == ((40, 60) if f.stem == 'rotated' else (60, 40)), f     # EXIF orientation honoured
    deep = np.asarray(op(root/'valid'/'a'/'deep.png'))
    assert deep.max() > 128       # 16-bit scaled to 8-bit, not clipped to white

def test_large_jpeg_is_decoded_at_reduced_scale(tmp_path):
    f = tmp_path/'big.jpg'
    Image.new('RGB', (6000, 4000), (90, 120, 200)).save(f, quality=80)
    assert _ImageOpener()(f).size == (6000, 4000)
    assert _ImageOpener(min_side=400)(f).size == (750, 500)           # decoded at 1/8: shorter side still >= 400
    assert _ImageOpener(min_side=600)(f).size == (1500, 1000)

def test_get_dls_decodes_large_jpegs_at_the_side_the_smallest_crop_needs(photos, tmp_path):
    f = tmp_path/'big.jpg'
    Image.new('RGB', (6000, 4000)).save(f)
    get_x = get_dls(64, photos, bs=4).train_ds.tfms[0].fs[0]
    assert get_x(f).size == (750, 500)             # 64/sqrt(0.08) = 227 px needed: 1/8 scale is enough
    get_x = get_dls(256, photos, bs=4).train_ds.tfms[0].fs[0]
    assert get_x(f).size == (1500, 1000)           # 906 px needed: 1/4 scale
    get_x = get_dls(256, photos, bs=4, train_aug='test').train_ds.tfms[0].fs[0]
    assert get_x(f).size == (750, 500)             # the test protocol on both splits (as `fixres` builds it): 293 px needed
    get_x = get_dls(256, photos, bs=4).valid_ds.tfms[0].fs[0]
    assert get_x(f).size == (750, 500)             # the validation split needs only its test crops, in any case
    get_x = dls_at(get_dls(64, photos, bs=4), 256).train_ds.tfms[0].fs[0]
    assert get_x(f).size == (1500, 1000)           # a rebuild at another size moves the decoding side with it

def test_missing_file_in_a_table_is_skipped_with_a_warning(photos):
    files = get_image_files(photos)
    df = pd.DataFrame({'fname': [str(f.relative_to(photos)) for f in files] + ['train/nowhere.jpg'],
                       'label': [f.parent.name for f in files] + ['china'],
                       'is_valid': [f.parent.parent.name == 'valid' for f in files] + [False]})
    with pytest.warns(UserWarning, match=r'nowhere\.jpg \(missing\)'):
        dls = get_dls(32, df, path=photos, fn_col='fname', label_col='label', bs=4)
    assert len(dls.train_ds) + len(dls.valid_ds) == len(files)

def test_only_broken_files_is_a_clear_error(tmp_path):
    for c in ('a', 'b'):
        for s in ('train', 'valid'):
            (tmp_path/s/c).mkdir(parents=True); (tmp_path/s/c/'x.jpg').write_bytes(b'junk')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises(ValueError, match='no readable image files'): get_dls(32, tmp_path)

def test_same_numbers_twice_with_a_seed(photos):
    "Reproducibility on the CPU: fixres and the sweep give identical numbers with the same seed"
    from torchvision.models import resnet18
    def run():
        set_seed(0, reproducible=True)
        learn = vision_learner(get_dls(32, photos, bs=8, num_workers=0), resnet18, pretrained=False, metrics=accuracy)
        with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(1, 1e-3); learn.fixres(40, 1)
        sweep = learn.res_sweep([32, 40, 48], plot=False, show_progress=False)
        return [p.detach().clone() for p in learn.model.parameters()], sweep
    (p1,s1),(p2,s2) = run(),run()
    assert all(torch.equal(a, b) for a,b in zip(p1, p2))
    assert s1.drop(columns='img/s').equals(s2.drop(columns='img/s'))      # throughput is a timing of this machine, not a result

def test_truncated_jpeg_in_a_fastai_dls_is_named(photos, tmp_path):
    "A user's own ImageDataLoaders (not `get_dls`, which skips such files) with a JPEG cut short: the error names it, the learner is as it was"
    import shutil
    from torchvision.models import resnet18
    root = tmp_path/'photos'; shutil.copytree(photos, root)
    bad = sorted((root/'valid').rglob('*.jpg'))[-1]
    b = bad.read_bytes(); bad.write_bytes(b[:len(b)//2])
    dls = ImageDataLoaders.from_folder(root, valid='valid', item_tfms=Resize(64), bs=4, num_workers=0)
    learn = vision_learner(dls, resnet18, pretrained=False)
    before = {k:v.clone() for k,v in learn.model.state_dict().items()}
    with pytest.raises(OSError, match=re.escape(f'{bad} (truncated JPEG)')): learn.fixres(96)
    assert learn.dls is dls and all(torch.equal(v, before[k]) for k,v in learn.model.state_dict().items())
