#!/usr/bin/env bash
# Builds the Java readers of tests/integration/java_readers_test.cc (Hadoop's
# SequenceFile reader, parquet-mr, Avro) into a cache outside the repository
# and prints the classpath to use with `java -cp`:
#
#   cp=$(tests/java/build.sh) && java -cp "$cp" secor.readers.AvroDump FILE...
#
# The cache (${XDG_CACHE_HOME:-$HOME/.cache}/secor/java-readers) holds the jar,
# the runtime dependencies and a stamp of the sources; when the stamp matches
# nothing is built. Maven runs offline first (the local repository, ~/.m2,
# keeps what the first build fetched from Maven Central) and online only when
# that fails. Maven's output goes to stderr; stdout is only the classpath.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
cache=${SECOR_JAVA_READERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/secor/java-readers}
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9  # concurrent test runs build once

stamp=$(cd "$src" && find pom.xml build.sh src -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
classpath="$cache/secor-java-readers.jar:$cache/lib/*"
if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$stamp" ] &&
   [ -f "$cache/secor-java-readers.jar" ] && [ -d "$cache/lib" ]; then
  echo "$classpath"
  exit 0
fi

rm -rf "$cache/lib.new" "$cache/target"
build() {  # extra maven args...
  mvn -q -B -Dstyle.color=never "$@" -f "$src/pom.xml" -Dsecor.build.dir="$cache/target" package \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$cache/lib.new" >&2
}
if ! build -o 2>/dev/null; then
  echo "tests/java/build.sh: offline build failed, fetching from Maven Central" >&2
  rm -rf "$cache/lib.new"
  build
fi
rm -rf "$cache/lib"
mv "$cache/lib.new" "$cache/lib"
cp "$cache/target/secor-java-readers.jar" "$cache/secor-java-readers.jar"
rm -rf "$cache/target"
echo "$stamp" >"$cache/stamp"
echo "$classpath"
