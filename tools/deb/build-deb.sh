#!/usr/bin/env bash
# Builds the Debian package dist/jvs_VERSION_amd64.deb from an already built tree (./build.sh deb
# runs the Maven build first). Offline: everything comes from the build directory and the JDK.
#   tools/deb/build-deb.sh BUILD-DIR OUTPUT-DIR
# BUILD-DIR holds jvs.jar, jvs-init and jvs-client (target/ or a -Djvs.buildDir); JAVA_HOME is the
# JDK 25 whose jdeps and jlink make the package's own runtime (Debian 12 has no Java 25).
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
repo=$(readlink -f "$here/../..")
build=$(readlink -f "${1:?usage: build-deb.sh BUILD-DIR OUTPUT-DIR}")
out=$(readlink -f "${2:?usage: build-deb.sh BUILD-DIR OUTPUT-DIR}")
jdk=${JAVA_HOME:?build-deb.sh: set JAVA_HOME to a JDK 25}

for f in jvs.jar jvs-init jvs-client; do
  [ -f "$build/$f" ] || { echo "build-deb.sh: $build/$f missing (build first)" >&2; exit 1; }
done
pom_version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$repo/pom.xml" | head -1)
version=${pom_version/-SNAPSHOT/~snapshot} # 0.1.0~snapshot sorts before the release 0.1.0

stage=$(mktemp -d /tmp/jvs-deb-stage.XXXXXX)
trap 'rm -rf "$stage"' EXIT
root=$stage/jvs
lib=$root/usr/lib/jvs
install -d "$lib" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/default" \
  "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" \
  "$root/usr/share/doc/jvs" "$root/DEBIAN"

install -m 0644 "$build/jvs.jar" "$lib/jvs.jar"
install -m 0755 "$build/jvs-init" "$build/jvs-client" "$lib/"
# The client finds jvs.jar, jvs-init and runtime/ beside its resolved path, and acts as jvs-oci
# when called by that name.
ln -s ../lib/jvs/jvs-client "$root/usr/bin/jvs"
ln -s ../lib/jvs/jvs-client "$root/usr/bin/jvs-oci"

# The runtime: just the modules the jar uses, as jdeps finds them.
modules=$("$jdk/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 \
  "$build/jvs.jar")
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --compress=zip-6 --output "$lib/runtime"

# Man pages and bash completions from the picocli command trees (dev.jvs.cli.CliDocs).
"$lib/runtime/bin/java" -cp "$build/jvs.jar" dev.jvs.cli.CliDocs "$stage/docs"
for page in "$stage"/docs/man1/*.1; do
  gzip -9n <"$page" >"$root/usr/share/man/man1/$(basename "$page").gz"
done
install -m 0644 "$stage"/docs/completions/* "$root/usr/share/bash-completion/completions/"

# Units: the service runs the installed client, with its defaults from the conffile.
sed -e 's:^ExecStart=/usr/local/bin/jvs serve .*:ExecStart=/usr/bin/jvs serve $JVS_SERVE_ARGS:' \
  -e 's:^# /usr/local/bin/jvs\: a link to the repository.s ./jvs (jvs-client):# /usr/bin/jvs (a link to /usr/lib/jvs/jvs-client):' \
  -e 's:^Environment=JVS_ROOT=.*:& JVS_SERVE_ARGS=--min-available=512M\nEnvironmentFile=-/etc/default/jvs:' \
  -e '/^# Install: /,/^#  *systemctl enable jvs /d' \
  "$repo/dist/jvs.service" >"$root/lib/systemd/system/jvs.service"
sed -e '/^# Install: /d' "$repo/dist/jvs.socket" >"$root/lib/systemd/system/jvs.socket"
grep -q '^ExecStart=/usr/bin/jvs serve \$JVS_SERVE_ARGS$' "$root/lib/systemd/system/jvs.service"
grep -q '^EnvironmentFile=-/etc/default/jvs' "$root/lib/systemd/system/jvs.service"
chmod 0644 "$root"/lib/systemd/system/*
install -m 0644 "$here/default" "$root/etc/default/jvs"
install -m 0644 "$here/copyright" "$root/usr/share/doc/jvs/copyright"

for s in postinst prerm postrm; do
  install -m 0755 "$here/$s" "$root/DEBIAN/$s"
done
echo /etc/default/jvs >"$root/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" "$here/control" >"$root/DEBIAN/control"

mkdir -p "$out"
deb=$out/jvs_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
