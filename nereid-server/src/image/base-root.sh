#!/usr/bin/env bash
# Builds the root file system of Nereid's OCI base layer without a registry: a jlinked Java runtime
# from the JDK that runs the build, the C and C++ runtime libraries it and the bundled natives (ONNX
# Runtime, HuggingFace tokenizers) link against, copied from the build machine (Debian/Ubuntu x86-64),
# a non-root user 'nereid' (uid/gid 10001), and /models, /tmp and the user's home.
#
#   base-root.sh OUTPUT_DIR JAVA_HOME JAR...   (jars that carry linux-x86-64 natives)
#
# Jib then layers the application on it (the 'image' profile of nereid-server/pom.xml). With registry
# access, use a standard JRE base instead: see README.md, "Run the image".
set -euo pipefail
out="$1"; java_home="$2"; shift 2

# Built already, by this script and the same JDK: keep it (jlink is the slow part).
stamp="$out.stamp"
if [ -f "$stamp" ] && [ "$stamp" -nt "$0" ] && [ "$(cat "$stamp")" = "$java_home $*" ]; then
  exit 0
fi

rm -rf "$out" "$out.natives"
mkdir -p "$out" "$out.natives"
for jar in "$@"; do
  (cd "$out.natives" && "$java_home/bin/jar" xf "$jar")
done

# Modules found with jdeps on the server's class path, plus jdk.crypto.ec (TLS) and jdk.zipfs.
modules=java.base,java.desktop,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,jdk.crypto.ec,jdk.management,jdk.unsupported,jdk.zipfs
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-6 --output "$out/opt/java"

# Every shared library the runtime's own natives and the bundled ones need, at the same paths.
libs=("$out/opt/java/lib/server/libjvm.so" "$out"/opt/java/lib/lib{java,net,nio,zip,jimage,awt_headless,management}.so)
while IFS= read -r -d '' native; do libs+=("$native"); done < <(find "$out.natives" -path '*linux*' -path '*x86?64*' -name '*.so' -print0)
for lib in "${libs[@]}"; do
  [ -f "$lib" ] || continue
  ldd "$lib" | awk '/=> \// {print $3} /^\s*\/lib/ {print $1}'
done | sort -u | while read -r dep; do
  case "$dep" in "$out"/*) continue ;; esac # the runtime's own libraries are in place already
  mkdir -p "$out$(dirname "$dep")"
  cp -L "$dep" "$out$dep"
done
# The loader, wherever the libraries name it.
mkdir -p "$out/lib64"
cp -L /lib64/ld-linux-x86-64.so.2 "$out/lib64/"

mkdir -p "$out/etc" "$out/tmp" "$out/models" "$out/home/nereid"
cat > "$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nereid:x:10001:10001:nereid:/home/nereid:/sbin/nologin
PASSWD
cat > "$out/etc/group" <<'GROUP'
root:x:0:
nereid:x:10001:
GROUP
echo "hosts: files dns" > "$out/etc/nsswitch.conf"
rm -rf "$out.natives"
echo "$java_home $*" > "$stamp"
