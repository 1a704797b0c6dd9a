#!/usr/bin/env bash
# Measures cinegraph and records the figures in docs/benchmarks.md, with the ratio of
# each figure to the previous record, so a loss is seen the day it happens.
#
#   scripts/bench-record.sh [--quick] [--benches LIST] [--runs N] [--fresh-clone]
#
# What it does, from any working directory:
#   1. builds the release binary once (cargo build --release --locked);
#   2. runs the criterion benches (cargo bench --bench NAME -- --noplot) and reads each
#      benchmark's median from target/criterion/GROUP/NAME/new/estimates.json;
#   3. times whole processes, the median of N runs (default 3) each, every run into a
#      fresh output folder (render resumes, so a reused folder would skip the work):
#        render scenes/movi_a.ron, all buffers, --no-finish      (process/movi_a_all_no_finish)
#        render scenes/movi_a.ron, all buffers, finished         (process/movi_a_all_finish)
#        render scenes/movi_a.ron --buffers preview,depth,flow,segmentation --no-finish
#                                                                (process/movi_a_4_buffers_no_finish)
#        simulate benches/cubes_1000.ron                         (process/simulate_cubes_1000)
#        simulate scenes/flag_wind.ron, benches/cloth_4k.ron     (process/simulate_flag_wind,
#                                                                 process/simulate_cloth_4k)
#        simulate benches/dam_break_{50k,200k}.ron              (process/simulate_dam_break_50k,
#                                                                 process/simulate_dam_break_200k)
#        simulate, render --no-finish scenes/people/walk_and_push.ron
#                                                                (process/simulate_walk_and_push,
#                                                                 process/walk_and_push_all_no_finish)
#        render scenes/movi_a.ron --buffers preview --no-finish --reference --spp 16
#                                                                (process/movi_a_reference_16spp)
#   4. with --fresh-clone, clones the committed HEAD into a temporary folder and times
#      `bash .ci/run` there once (no shared target folder; this takes tens of minutes);
#   5. rewrites the part of docs/benchmarks.md between the bench-record markers (the
#      prose around it is kept): machine, date, commit, a table of figures with the
#      previous record's figure and new/previous; figures more than 1.5x slower are
#      flagged there and on stderr. The figures also go into a machine-readable comment
#      in the page, which is where the next run reads "previous" from. A figure this run
#      did not measure (e.g. --benches none) is carried over unchanged and marked so.
#
# Options:
#   --quick          criterion's --quick (shorter measurement; coarser figures)
#   --benches LIST   comma-separated benches to run [physics,raster,reference,grade,finish,audio];
#                    "none" runs no criterion bench
#   --runs N         runs per whole-process timing [3]
#   --no-process     skip the whole-process timings
#   --process LIST   time only these whole-process keys (comma-separated, e.g.
#                    process/movi_a_all_no_finish,process/movi_a_all_finish)
#   --fresh-clone    also time a fresh clone's .ci/run
#   --page FILE      the page to write [docs/benchmarks.md]
#   --from-tsv FILE  measure nothing: take the figures from FILE (lines "key<TAB>seconds"),
#                    to check the recording on made-up figures
# Exit status: 0 recorded (slower figures are flagged, not fatal), 1 a build, bench or
# timed command failed (its log is named), 2 bad usage.
set -euo pipefail

# Figures slower than this many times the previous record are flagged.
readonly SLOWER=1.5
readonly ALL_BENCHES=physics,raster,reference,grade,finish,audio
readonly BEGIN_MARK='<!-- bench-record:begin -->'
readonly END_MARK='<!-- bench-record:end -->'
readonly FIGURES_MARK='<!-- bench-record:figures'

die() {
  echo "bench-record: error: $*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# The median of the numbers given as arguments.
median() {
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The median point estimate of a criterion estimates.json, in seconds.
criterion_median() {
  local file=$1 ns
  ns=$(tr -d ' \n\t' <"$file" | grep -oE '"median":\{([^{}]|\{[^{}]*\})*\}' | grep -oE '"point_estimate":[-0-9.eE+]+' | cut -d: -f2 || true)
  [[ -n "$ns" ]] || die "no median point estimate in $file"
  awk -v ns="$ns" 'BEGIN { printf "%.6g\n", ns / 1e9 }'
}

# Prints "GROUP/NAME<TAB>seconds" for every estimates.json under criterion folder $1
# written after the file $2.
criterion_figures() {
  local dir=$1 stamp=$2 file key
  [[ -d "$dir" ]] || return 0
  while IFS= read -r file; do
    key=${file#"$dir"/}
    key=${key%/new/estimates.json}
    printf '%s\t%s\n' "$key" "$(criterion_median "$file")"
  done < <(find "$dir" -path '*/new/estimates.json' -newer "$stamp" | sort)
}

# Reads the figures block of page $1: prints "key<TAB>seconds<TAB>note" lines.
old_figures() {
  local page=$1
  [[ -f "$page" ]] || return 0
  awk -v mark="$FIGURES_MARK" '
    index($0, mark) == 1 { inside = 1; next }
    inside && /^-->/ { inside = 0; next }
    inside && !/^#/ && NF >= 2 { print }
  ' "$page"
}

# Seconds, for people: "36 min 51 s", "20.1 s", "1.36 s", "32.1 ms", "970 µs".
human() {
  awk -v s="$1" 'BEGIN {
    if (s >= 60) printf "%d min %d s", int(s / 60), int(s - 60 * int(s / 60) + 0.5)
    else if (s >= 10) printf "%.1f s", s
    else if (s >= 1) printf "%.2f s", s
    else if (s >= 1e-3) printf "%.3g ms", s * 1e3
    else printf "%.3g µs", s * 1e6
  }'
}

# What a figure's key measures.
# shellcheck disable=SC2016 # the backticks are Markdown code, not command substitution
describe() {
  local key=$1 m steps
  case "$key" in
    process/movi_a_all_no_finish) echo 'whole process: `render scenes/movi_a.ron --no-finish`, all buffers' ;;
    process/movi_a_world_all_no_finish) echo 'whole process: `render scenes/movi_a_world.ron --no-finish`, all buffers (the same clip with a sky, a mapped floor and patterns)' ;;
    process/movi_a_all_finish) echo 'whole process: `render scenes/movi_a.ron`, all buffers, finished' ;;
    process/movi_a_4_buffers_no_finish) echo 'whole process: `render scenes/movi_a.ron --buffers preview,depth,flow,segmentation --no-finish`' ;;
    process/simulate_cubes_1000) echo 'whole process: `simulate benches/cubes_1000.ron`' ;;
    process/simulate_flag_wind) echo 'whole process: `simulate scenes/flag_wind.ron` (925 cloth vertices, 720 steps at 240 Hz, 17 substeps each)' ;;
    process/simulate_cloth_4k) echo 'whole process: `simulate benches/cloth_4k.ron` (4 225 cloth vertices falling onto a ball, 240 steps)' ;;
    process/simulate_dam_break_50k) echo 'whole process: `simulate benches/dam_break_50k.ron` (51 200 water particles, dam break, 60 steps at 240 Hz)' ;;
    process/simulate_dam_break_200k) echo 'whole process: `simulate benches/dam_break_200k.ron` (204 800 water particles, dam break, 60 steps at 240 Hz)' ;;
    process/simulate_walk_and_push) echo 'whole process: `simulate scenes/people/walk_and_push.ron` (a walking, pushing character: 19 kinematic capsules, 960 steps at 240 Hz, 32 solver iterations)' ;;
    process/walk_and_push_all_no_finish) echo 'whole process: `render scenes/people/walk_and_push.ron --no-finish`, all buffers (96 frames at 640 × 360, the skinned mannequin every frame, with sound)' ;;
    process/movi_a_reference_16spp) echo 'whole process: `render scenes/movi_a.ron --buffers preview --no-finish --reference --spp 16`' ;;
    process/fresh_clone_ci_run) echo "a fresh clone's \`bash .ci/run\` (build and every test)" ;;
    physics/cubes_*_480_steps)
      m=${key#physics/cubes_}
      echo "480 physics steps, ${m%_480_steps} cubes, one thread"
      ;;
    cloth/flag_925_240_steps) echo '240 physics steps (1 s) of scenes/flag_wind.ron: a 925-vertex flag in gusty wind, one thread' ;;
    cloth/sheet_4225_240_steps) echo '240 physics steps (1 s) of benches/cloth_4k.ron: a 4 225-vertex sheet falling onto a ball, self-collision on, one thread' ;;
    scene/parse_validate_cubes_*) echo "parse and validate benches/cubes_${key#scene/parse_validate_cubes_}.ron" ;;
    raster/all_buffers_*) echo "every raster buffer of one ${key#raster/all_buffers_} MOVi-A frame" ;;
    raster/world_all_buffers_*) echo "every raster buffer of one ${key#raster/world_all_buffers_} MOVi-A frame in a world (scenes/movi_a_world.ron: sky, mapped floor, patterns)" ;;
    reference/movi_a_*)
      m=${key#reference/movi_a_}
      steps=${m##*_}
      echo "one path-traced ${m%_*} MOVi-A frame, ${steps%spp} spp"
      ;;
    grade/full_*) echo "the full grade on one ${key#grade/full_} frame" ;;
    grade/default_srgb8_*) echo "the default grade + sRGB encoding, one ${key#grade/default_srgb8_} frame" ;;
    finish/*_step)
      m=${key#finish/}
      steps=${m#*_}
      echo "neural finishing (the first, latent finisher), one ${m%%_*} frame, ${steps%_step} sampler step(s)"
      ;;
    finish/*) echo "neural finishing (the shading network), one ${key#finish/} frame" ;;
    *) echo "criterion median per iteration" ;;
  esac
}

# Runs "$@" $runs times, each in a fresh output folder substituted for the argument OUT;
# prints the median wall time in seconds, then every run's time.
time_process() {
  local name=$1 i t dir log
  shift
  local times=()
  for ((i = 1; i <= runs; i++)); do
    dir="$work/${name//\//_}-$i"
    log="$dir.log"
    local args=()
    local a
    for a in "$@"; do
      if [[ "$a" == OUT ]]; then args+=("$dir"); else args+=("$a"); fi
    done
    if ! t=$( { TIMEFORMAT=%3R; time "${args[@]}" </dev/null >"$log" 2>&1; } 2>&1); then
      echo "bench-record: $name: the command failed; its output:" >&2
      tail -n 20 "$log" >&2
      die "$name failed: ${args[*]}"
    fi
    rm -rf "$dir"
    times+=("$t")
  done
  printf '%s\t%s\n' "$(median "${times[@]}")" "${times[*]}"
}

# The figures of this run, "key<TAB>seconds<TAB>note", measured.
measure() {
  local bin=$1 bench stamp
  stamp="$work/stamp"
  touch "$stamp"
  sleep 1 # estimates written in the same second as the stamp would not count as newer
  local crit_args=(--noplot)
  if ((quick)); then crit_args+=(--quick); fi
  if [[ "$benches" != none ]]; then
    local list
    IFS=, read -r -a list <<<"$benches"
    for bench in "${list[@]}"; do
      echo "bench-record: cargo bench --bench $bench -- ${crit_args[*]}" >&2
      if ! cargo bench --locked --bench "$bench" -- "${crit_args[@]}" </dev/null 2>&1 | tee "$work/bench-$bench.log" >&2; then
        die "bench $bench failed (its output is above)"
      fi
    done
    criterion_figures "$target/criterion" "$stamp" | awk -v note="$note" '{ print $0 "\t" note }'
  fi
  if ((process)); then
    local key r
    while IFS='|' read -r key cmd; do
      if [[ -n "$only_process" && ",$only_process," != *",$key,"* ]]; then continue; fi
      echo "bench-record: timing $key ($runs runs): cinegraph $cmd" >&2
      # shellcheck disable=SC2086 # the command lines above are word lists on purpose
      r=$(time_process "$key" "$bin" $cmd)
      printf '%s\t%s\t%s; runs %s s\n' "$key" "${r%%$'\t'*}" "$note" "${r#*$'\t'}"
    done <<'EOF'
process/movi_a_all_no_finish|render scenes/movi_a.ron -o OUT --no-finish -q
process/movi_a_world_all_no_finish|render scenes/movi_a_world.ron -o OUT --no-finish -q
process/movi_a_all_finish|render scenes/movi_a.ron -o OUT -q
process/movi_a_4_buffers_no_finish|render scenes/movi_a.ron -o OUT --buffers preview,depth,flow,segmentation --no-finish -q
process/simulate_cubes_1000|simulate benches/cubes_1000.ron -o OUT -q
process/movi_a_reference_16spp|render scenes/movi_a.ron -o OUT --buffers preview --no-finish --reference --spp 16 -q
process/simulate_flag_wind|simulate scenes/flag_wind.ron -o OUT -q
process/simulate_cloth_4k|simulate benches/cloth_4k.ron -o OUT -q
process/simulate_dam_break_50k|simulate benches/dam_break_50k.ron -o OUT -q
process/simulate_dam_break_200k|simulate benches/dam_break_200k.ron -o OUT -q
process/simulate_walk_and_push|simulate scenes/people/walk_and_push.ron -o OUT -q
process/walk_and_push_all_no_finish|render scenes/people/walk_and_push.ron -o OUT --no-finish -q
EOF
  fi
  if ((fresh)); then
    local clone="$work/fresh-clone" t
    echo "bench-record: cloning HEAD into $clone and timing bash .ci/run (tens of minutes)" >&2
    git clone -q "$root" "$clone" || die "git clone $root failed"
    if ! t=$( { TIMEFORMAT=%3R; time (cd "$clone" && env -u CARGO_TARGET_DIR -u RUSTC_WRAPPER bash .ci/run >"$work/fresh-clone.log" 2>&1); } 2>&1); then
      tail -n 30 "$work/fresh-clone.log" >&2
      die "a fresh clone's .ci/run failed (log above)"
    fi
    rm -rf "$clone"
    printf '%s\t%s\t%s; one run\n' process/fresh_clone_ci_run "$t" "$note"
  fi
}

# Orders keys: whole-process figures first (in measuring order), then the benches.
order() {
  awk -F'\t' '{ p = ($1 ~ /^process\//) ? 0 : 1; print p "\t" NR "\t" $0 }' | sort -t$'\t' -k1,1n -k2,2n | cut -f3-
}

# The region of the page between the markers, from the new figures $1 and old ones $2.
render_region() {
  local new=$1 old=$2 key secs note prev ratio flag shown prevshown carried=0
  echo "$BEGIN_MARK"
  echo
  echo "## Latest record"
  echo
  echo "Written by \`scripts/bench-record.sh\`${mode_note}; edit outside the bench-record markers only."
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| date | $date_utc |"
  echo "| commit | \`$commit\` |"
  echo "| CPU | $cpu, $cores logical cores (\`nproc\`) |"
  echo "| memory | $mem |"
  echo "| graphics adapter | $adapter |"
  echo "| rustc | $rustc_version |"
  echo "| load average before the run | $loadavg |"
  echo
  echo "| figure | what | time | previous | new / previous | how it was measured |"
  echo "|---|---|---|---|---|---|"
  while IFS=$'\t' read -r key secs note; do
    shown=$(human "$secs")
    prev=$(awk -F'\t' -v k="$key" '$1 == k { print $2; exit }' "$old")
    if [[ "$note" == carried* ]]; then
      echo "| \`$key\` | $(describe "$key") | $shown | — | not re-measured | $note |"
      carried=1
      continue
    fi
    if [[ -n "$prev" ]]; then
      prevshown=$(human "$prev")
      ratio=$(awk -v a="$secs" -v b="$prev" 'BEGIN { printf "%.2f", a / b }')
      flag=$(awk -v r="$ratio" -v s="$SLOWER" 'BEGIN { if (r > s) print " **slower**" }')
      echo "| \`$key\` | $(describe "$key") | $shown | $prevshown | ${ratio}×$flag | $note |"
    else
      echo "| \`$key\` | $(describe "$key") | $shown | — | new | $note |"
    fi
  done <"$new"
  echo
  echo "Times are wall-clock: criterion's median per iteration for the benches, the median of"
  echo "$runs runs for whole processes. **slower** marks a figure more than ${SLOWER}× the previous record."
  if ((carried)); then
    echo "Figures marked \"not re-measured\" are carried over unchanged from an earlier record."
  fi
  echo
  echo "$FIGURES_MARK"
  echo "# key	seconds	how it was measured (read by the next run of the script)"
  cat "$new"
  echo "-->"
  echo
  echo "$END_MARK"
}

main() {
  quick=0 process=1 fresh=0 runs=3 benches=$ALL_BENCHES from_tsv='' page='' only_process=''
  while (($#)); do
    case "$1" in
      --quick) quick=1 ;;
      --no-process) process=0 ;;
      --process) only_process=${2:?--process needs a list of keys}; shift ;;
      --fresh-clone) fresh=1 ;;
      --runs) runs=${2:?--runs needs a number}; shift ;;
      --benches) benches=${2:?--benches needs a list}; shift ;;
      --page) page=${2:?--page needs a file}; shift ;;
      --from-tsv) from_tsv=${2:?--from-tsv needs a file}; shift ;;
      -h | --help) usage ;;
      *) echo "bench-record: unknown argument: $1" >&2; usage ;;
    esac
    shift
  done
  [[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "bench-record: --runs: expected a positive number, got $runs" >&2; exit 2; }
  if [[ -n "$from_tsv" ]]; then from_tsv=$(realpath "$from_tsv"); fi
  if [[ -n "$page" ]]; then page=$(realpath -m "$page"); fi

  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  cd "$root"
  page=${page:-$root/docs/benchmarks.md}
  target=${CARGO_TARGET_DIR:-$root/target}
  case "$target" in /*) ;; *) target=$root/$target ;; esac
  work=$(mktemp -d "${TMPDIR:-/tmp}/bench-record.XXXXXX")
  trap 'rm -rf "$work"' EXIT

  commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
  if [[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]]; then commit="$commit (with uncommitted changes)"; fi
  date_utc=$(date -u '+%Y-%m-%d %H:%M UTC')
  cores=$(nproc)
  cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
  cpu=${cpu:-unknown}
  mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null || echo unknown)
  loadavg=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
  rustc_version=$(rustc --version 2>/dev/null || echo unknown)
  adapter="not measured"
  note="measured ${date_utc%% *} at ${commit%% *}"
  mode_note=""
  if ((quick)); then mode_note=" with --quick (short criterion runs)"; fi

  local new="$work/new.tsv" old="$work/old.tsv" measured="$work/measured.tsv"
  old_figures "$page" >"$old"
  if [[ -n "$from_tsv" ]]; then
    [[ -f "$from_tsv" ]] || die "--from-tsv: no file $from_tsv"
    awk -F'\t' -v note="made-up figures from $from_tsv" '!/^#/ && NF >= 2 { print $1 "\t" $2 "\t" note }' "$from_tsv" >"$measured"
    mode_note=" from --from-tsv (nothing was measured)"
  else
    command -v cargo >/dev/null || die "cargo is not on PATH"
    echo "bench-record: cargo build --release --locked" >&2
    cargo build --release --locked -q || die "the release build failed"
    local bin="$target/release/cinegraph"
    [[ -x "$bin" ]] || die "no binary at $bin after the build"
    # One untimed render: warms the caches and names the adapter.
    "$bin" render scenes/movi_a.ron -o "$work/warm-up" --no-finish >"$work/warm-up.log" 2>&1 ||
      { tail -n 20 "$work/warm-up.log" >&2; die "the warm-up render failed (log above)"; }
    adapter=$(sed -n 's/^rendered .* on \(.*\)$/\1/p' "$work/warm-up.log" | head -n 1)
    adapter=${adapter:-unknown}
    rm -rf "$work/warm-up"
    measure "$bin" >"$measured"
  fi
  [[ -s "$measured" ]] || die "nothing was measured"

  # This run's figures, then the previous record's figures this run did not measure.
  {
    order <"$measured"
    awk -F'\t' 'NR == FNR { seen[$1] = 1; next } !($1 in seen) {
        n = $3; sub(/^carried over: /, "", n); print $1 "\t" $2 "\tcarried over: " n }' "$measured" "$old"
  } >"$new"

  echo >&2
  local key secs prev ratio slower=0
  while IFS=$'\t' read -r key secs _; do
    prev=$(awk -F'\t' -v k="$key" '$1 == k { print $2; exit }' "$old")
    if [[ -n "$prev" ]]; then
      ratio=$(awk -v a="$secs" -v b="$prev" 'BEGIN { printf "%.2f", a / b }')
      printf '%-45s %12s  previous %12s  new/previous %5s×\n' "$key" "$(human "$secs")" "$(human "$prev")" "$ratio" >&2
      if awk -v r="$ratio" -v s="$SLOWER" 'BEGIN { exit !(r > s) }'; then
        echo "bench-record: SLOWER: $key is ${ratio}× the previous record" >&2
        slower=$((slower + 1))
      fi
    else
      printf '%-45s %12s  (no previous figure)\n' "$key" "$(human "$secs")" >&2
    fi
  done <"$measured"

  local region="$work/region.md" out="$work/page.md"
  render_region "$new" "$old" >"$region"
  if [[ -f "$page" ]] && grep -qF "$BEGIN_MARK" "$page" && grep -qF "$END_MARK" "$page"; then
    awk -v b="$BEGIN_MARK" -v e="$END_MARK" -v region="$region" '
      index($0, b) == 1 { while ((getline line < region) > 0) print line; skip = 1; next }
      index($0, e) == 1 { skip = 0; next }
      !skip { print }
    ' "$page" >"$out"
  elif [[ -f "$page" ]]; then
    { cat "$page"; echo; cat "$region"; } >"$out"
  else
    { echo "# Benchmarks"; echo; cat "$region"; } >"$out"
  fi
  mkdir -p "$(dirname "$page")"
  cp "$out" "$page"
  echo "bench-record: wrote $page" >&2
  if ((slower)); then
    echo "bench-record: $slower figure(s) more than ${SLOWER}× slower than the previous record (flagged in the page)" >&2
  fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
