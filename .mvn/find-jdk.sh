# Sourced by ./mvnw, ./nereid and .ci/run: points JAVA_HOME at a JDK >= 21.
# Nereid compiles with --release 21, and the default java on many machines is older.
# Order: JAVA_HOME if it is new enough, then the newest JDK in the system's JVM directory.

nereid_java_feature() {
  # Prints the feature release (17, 21, 25, ...) of the JDK at $1, or nothing.
  [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

nereid_find_jdk() {
  local min=21 v best="" best_v=0 dir
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(nereid_java_feature "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$min" ]; then return 0; fi
  fi
  # The caller may run with globbing off (mvnw uses set -f); the scan needs it.
  local globbing_was_off=""
  case $- in *f*) globbing_was_off=1; set +f ;; esac
  for dir in /usr/lib/jvm/* /usr/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$dir" ] || continue
    v=$(nereid_java_feature "$dir")
    if [ -n "$v" ] && [ "$v" -ge "$min" ] && [ "$v" -gt "$best_v" ]; then best="$dir"; best_v="$v"; fi
  done
  [ -n "$globbing_was_off" ] && set -f
  if [ -z "$best" ]; then
    echo "nereid: no JDK 21 or newer found (looked at JAVA_HOME=${JAVA_HOME:-<unset>} and /usr/lib/jvm)." >&2
    echo "nereid: install one, e.g. 'apt-get install openjdk-21-jdk' or a Temurin 21/25 JDK, or set JAVA_HOME to it." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}

nereid_find_jdk || exit 1
