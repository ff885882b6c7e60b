#!/usr/bin/env bash
# Prepares the many-core check for the lent device machine (no Java, no network there) in
# nereid-bench/target/manycore (git ignores it): a jlinked Java runtime, the jars of nereid-core,
# nereid-onnxruntime (ONNX Runtime slimmed to linux-x64) and nereid-bench, the model generator and run.sh.
# Then one device call runs it (see docs/benchmarks.md, issue 17):
#   run(command="bash nereid-bench/target/manycore/run.sh", carry=["nereid-bench/target/manycore"])
# Dry run here first: LAYERS=1 SEQ=16 WARM=1 MEAS=2 OUT=/tmp/mc-dry bash nereid-bench/target/manycore/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
. .mvn/find-jdk.sh
D=nereid-bench/target/manycore
rm -rf "$D" && mkdir -p "$D/lib"
./mvnw -B -q -pl nereid-bench -am package -DskipTests -Dfuzz.skip
# In the reactor (-am), so that nereid-core resolves from this build, not from a local repository.
./mvnw -B -q -pl nereid-onnxruntime -am package dependency:copy-dependencies -DskipTests -Dfuzz.skip \
  -DincludeScope=runtime -DoutputDirectory="$ROOT/$D/lib"
./mvnw -B -q -pl nereid-bench dependency:copy -Dartifact=org.slf4j:slf4j-simple:2.0.17 -DoutputDirectory="$ROOT/$D/lib"
cp nereid-onnxruntime/target/nereid-onnxruntime-*.jar "$D/lib/"
# The bench classes only (the thin jar's resources hold models the device does not need).
"$JAVA_HOME/bin/jar" cf "$D/lib/nereid-bench-classes.jar" -C nereid-bench/target/classes dev
# ONNX Runtime's jar carries natives for every platform: keep linux-x64's.
ort=$(ls "$D"/lib/onnxruntime-*.jar)
( cd "$(mktemp -d)" && unzip -q "$ROOT/$ort" && find ai/onnxruntime/native -mindepth 1 -maxdepth 1 ! -name linux-x64 -exec rm -rf {} + \
  && rm -f "$ROOT/$ort" && "$JAVA_HOME/bin/jar" cf "$ROOT/$ort" . )
jre=$(mktemp -d)/jre
"$JAVA_HOME/bin/jlink" --add-modules java.base,java.logging,java.management,jdk.unsupported,java.naming,java.desktop,jdk.management,java.sql \
  --strip-debug --no-man-pages --no-header-files --compress=zip-9 --output "$jre"
tar -cJf "$D/jre.tar.xz" -C "$(dirname "$jre")" jre
cp nereid-bench/src/manycore/make_model.py nereid-bench/src/manycore/run.sh "$D/"
du -sh "$D"; du -sh "$D"/* | sort -h | tail -4
