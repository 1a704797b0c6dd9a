#!/usr/bin/env bash
# The s3:// path end to end against a local S3 server (moto's, from PyPI), by hand: not
# part of `cargo test` (it needs the `cloud` build and Python). It runs the tiny test plan
# as two shards into s3://movi/tiny, merges it there, and compares every item and tar
# object with a folder run of the same plan; then damages two items in the bucket (an
# item.json deleted, an object truncated) and checks that `batch status` finds them and
# `batch run` renders them again.
#
#   pip install "moto[server]" boto3
#   cargo build --release --features cloud
#   scripts/s3-check.sh target/release/cinegraph
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/cinegraph}
port=${PORT:-5055}
work=$(mktemp -d)
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; rm -rf "$work"' EXIT
export AWS_ENDPOINT=http://127.0.0.1:$port AWS_ALLOW_HTTP=true AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('$AWS_ENDPOINT')" 2>/dev/null && break
  sleep 0.2
done
python3 - <<'EOF'
import os, boto3
boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT"]).create_bucket(Bucket="movi")
EOF
plan=tests/batch/plan.ron
"$bin" -q batch run "$plan" -o s3://movi/tiny --shard 0/2 &
first=$!
"$bin" -q batch run "$plan" -o s3://movi/tiny --shard 1/2
wait $first
"$bin" batch status s3://movi/tiny --verify
"$bin" batch merge s3://movi/tiny --webdataset 10
"$bin" -q batch run "$plan" -o "$work/folder"
"$bin" -q batch merge "$work/folder" --webdataset 10
FOLDER="$work/folder" python3 - <<'EOF'
import os, boto3
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT"])
folder = os.environ["FOLDER"]
keys = {}
for page in s3.get_paginator("list_objects_v2").paginate(Bucket="movi", Prefix="tiny/"):
    for o in page.get("Contents", []):
        keys[o["Key"][len("tiny/"):]] = o["Size"]
local = {os.path.relpath(os.path.join(r, f), folder) for r, _, fs in os.walk(folder) for f in fs}
pick = lambda names: {k for k in names if k.startswith(("items/", "webdataset/"))}
assert pick(keys) == pick(local), "the bucket holds other keys than the folder"
for k in sorted(pick(keys)):
    body = s3.get_object(Bucket="movi", Key="tiny/" + k)["Body"].read()
    assert body == open(os.path.join(folder, k), "rb").read(), k
print(f"bucket = folder: {len(pick(keys))} item and tar objects, same keys, same bytes")
s3.delete_object(Bucket="movi", Key="tiny/items/000005/item.json")
k = "tiny/items/000007/depth/00002.png"
body = s3.get_object(Bucket="movi", Key=k)["Body"].read()
s3.put_object(Bucket="movi", Key=k, Body=body[: len(body) // 2])
EOF
if "$bin" batch status s3://movi/tiny; then echo "damage not found" >&2; exit 1; fi
"$bin" batch run "$plan" -o s3://movi/tiny
"$bin" batch status s3://movi/tiny --verify
echo "s3 check passed"
