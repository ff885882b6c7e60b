#!/bin/bash
# Device side of the many-core check (made ready by prepare.sh): unpacks the runtime, writes the model,
# runs ManycoreBench (dynamic batching vs raw ONNX Runtime) and RequestPathLoad (the identity request
# path). Everything it prints goes to $OUT/log. Knobs for dry runs: PY, LAYERS, SEQ, WARM, MEAS, TESTS, THREADS.
set -o pipefail
D=$(cd "$(dirname "$0")" && pwd)
OUTDIR=${OUT:-/tmp/manycore-out}; mkdir -p "$OUTDIR"
W=$(mktemp -d)
PY=${PY:-python3}
LAYERS=${LAYERS:-6}; SEQ=${SEQ:-128}; WARM=${WARM:-2}; MEAS=${MEAS:-8}
TESTS=${TESTS:-"jit:30 raw:16 batch:16:16:1 nereid:16:16:1:-1 nereid:16:16:1:0 nereid:16:16:1:100 nereid:16:16:1:1000 nereid:32:16:1:1000 nereid:64:16:1:0 nereid:64:16:1:1000 nereid:32:4:4:1000 raw:64 ab:16:16:1:0:1 ab:64:16:1:0:1 ab:64:16:1:1000:1"}
THREADS=${THREADS:-1,4,16,32}
{
  T0=$(date +%s)
  echo "STAGE start $(date -u +%FT%TZ) nproc=$(nproc)"
  lscpu 2>/dev/null | grep -E "^(Model name|Socket|Core|Thread|CPU\(s\))"
  tar -xJf "$D/jre.tar.xz" -C "$W" || exit 3
  $PY "$D/make_model.py" --out "$W/model.onnx" --layers "$LAYERS" --seq "$SEQ" || exit 4
  echo "STAGE ready +$(( $(date +%s) - T0 ))s"
  J=("$W/jre/bin/java" --enable-native-access=ALL-UNNAMED -Xms2g -Xmx16g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$D/lib/*")
  # shellcheck disable=SC2086 # TESTS is a list of words
  timeout 420 "${J[@]}" dev.nereid.bench.ManycoreBench "$W/model.onnx" "$SEQ" "$WARM" "$MEAS" $TESTS
  echo "STAGE batching rc=$? +$(( $(date +%s) - T0 ))s"
  timeout 90 "${J[@]}" dev.nereid.bench.RequestPathLoad 32 2 "$THREADS"
  echo "STAGE request path rc=$? +$(( $(date +%s) - T0 ))s"
} 2>&1 | tee "$OUTDIR/log"
