#!/usr/bin/env bash
# Renders a training set, trains cinegraph's finishing model for a fixed time, checkpoints,
# and evaluates it on held-out scenes: one prepared run for a machine with an NVIDIA GPU
# (wgpu renders the raster buffers on it; the path tracer uses every CPU core; candle
# trains on CUDA). Everything it writes goes under $OUT (default ./gpu-run):
#   $OUT/data/      the training pairs        $OUT/eval/   held-out pairs at 256x256
#   $OUT/ckpt/      weights, config.json, state.json, loss.csv, loss.png
#   $OUT/eval.txt   the eval-finish table     $OUT/eval.json   the same numbers
#
# Build the binary with CUDA first (on a machine with the CUDA toolkit, or with
# ../shared/tools/cuda-toolchain.sh on one without a GPU):
#   cargo build --release --features cuda
# then, on the GPU machine:
#   CINEGRAPH=target/release/cinegraph MINUTES=8 scripts/train-gpu.sh
# Environment (defaults in brackets): CINEGRAPH [target/release/cinegraph], OUT
# [./gpu-run], SCENES [400], SIZE [256], SPP [64], STEPS [20000], BATCH [32], MINUTES [8],
# SEED [1], WIDTH [32] (the shading network's first-level channels). Re-running resumes: complete dataset scenes and the checkpoint are kept.
set -euo pipefail
bin=${CINEGRAPH:-target/release/cinegraph}
out=${OUT:-./gpu-run}
scenes=${SCENES:-400}
size=${SIZE:-256}
spp=${SPP:-64}
steps=${STEPS:-20000}
batch=${BATCH:-32}
minutes=${MINUTES:-8}
seed=${SEED:-1}
width=${WIDTH:-32}
if [ ! -x "$bin" ]; then
  echo "error: $bin is not an executable cinegraph (set CINEGRAPH=...)" >&2
  exit 2
fi
mkdir -p "$out"
start=$(date +%s)
"$bin" -q dataset -o "$out/data" --scenes "$scenes" --seed "$seed" --frames 2 --size "$size" --spp "$spp"
"$bin" -q dataset -o "$out/eval" --scenes 40 --seed $((seed + 1)) --frames 4 --size 256 --spp 256 --held-out-only
echo "datasets: $(( $(date +%s) - start )) s"
"$bin" train --data "$out/data" -o "$out/ckpt" --steps "$steps" --batch "$batch" --crop 128 \
  --width "$width" --lr 1e-3 --seed "$seed" --checkpoint-every 200 --max-minutes "$minutes" --resume
"$bin" eval-finish --data "$out/eval" --checkpoint "$out/ckpt" --json "$out/eval.json" --sheet "$out/sheet.png" | tee "$out/eval.txt"
echo "total: $(( $(date +%s) - start )) s"
