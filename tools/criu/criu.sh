#!/usr/bin/env bash
# A criu that works on this host, for `jvs checkpoint`/`restore` (docs/checkpoint.md).
#   tools/criu/criu.sh ensure   print the path of a working criu; build 4.1.1 first when neither
#                               the cache nor the host's own criu passes `criu check`
#   tools/criu/criu.sh build    (re)build 4.1.1 into the cache
#   tools/criu/criu.sh path     print the cached criu's path (exit 1 when it is not built)
# Debian 12's criu 3.17.1 fails `criu check` on kernel 6.18 ("Unexpected rt vDSO area bounds").
# 4.1.1 is the upstream tarball of Debian 13's source package, fetched by apt through a private
# configuration (a deb-src line for trixie; apt checks the tarball against the signed index),
# built with `make criu` against Debian 12's build dependencies. Nothing is installed: the
# binary stays in the cache (JVS_CRIU_CACHE, default /var/cache/jvs/criu).
set -euo pipefail

VERSION=4.1.1
CACHE=${JVS_CRIU_CACHE:-/var/cache/jvs/criu}
BIN=$CACHE/$VERSION/criu
BUILD_DEPS=(gcc make pkg-config libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev libnl-3-dev
  libnet1-dev libcap-dev libbsd-dev libnftables-dev libgnutls28-dev uuid-dev)

fail() {
  echo "criu.sh: $*" >&2
  exit 1
}

works() { [ -x "$1" ] && "$1" check >/dev/null 2>&1; }

build() {
  [ "$(id -u)" -eq 0 ] || fail "run as root (apt-get installs the build dependencies)"
  local missing=() p
  for p in "${BUILD_DEPS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "criu.sh: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9 # concurrent setups build once
  if works "$BIN"; then
    return 0
  fi
  local apt=$CACHE/apt
  mkdir -p "$apt/lists/partial" "$apt/archives/partial"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
    >"$apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt")
  TMP=$(mktemp -d "$CACHE/build.XXXXXX") # global: the EXIT trap runs after build() returns
  trap 'rm -rf "$TMP"' EXIT
  apt-get "${opts[@]}" -qq update >&2
  # The .dsc and Debian tarball may be gone from the mirror; the orig tarball is all we need.
  (cd "$TMP" && apt-get "${opts[@]}" -qq source --download-only "criu=$VERSION-1" >&2 || true)
  [ -f "$TMP/criu_$VERSION.orig.tar.xz" ] || fail "apt could not fetch criu_$VERSION.orig.tar.xz (trixie deb-src)"
  tar -C "$TMP" -xf "$TMP/criu_$VERSION.orig.tar.xz"
  echo "criu.sh: building criu $VERSION (a few minutes)" >&2
  nice make -C "$TMP/criu-$VERSION" -j"$(nproc)" criu >"$TMP/build.log" 2>&1 ||
    { tail -20 "$TMP/build.log" >&2; fail "make criu failed"; }
  mkdir -p "$CACHE/$VERSION"
  install -m 0755 "$TMP/criu-$VERSION/criu/criu" "$BIN.new"
  mv "$BIN.new" "$BIN"
  works "$BIN" || fail "$BIN built but \`criu check\` fails: $("$BIN" check 2>&1 | tail -1)"
}

case "${1:-ensure}" in
  ensure)
    if works "$BIN"; then
      echo "$BIN"
    elif works "$(command -v criu || true)"; then
      command -v criu
    else
      build
      echo "$BIN"
    fi
    ;;
  build) build && echo "$BIN" ;;
  path) [ -x "$BIN" ] && echo "$BIN" ;;
  *) echo "usage: $0 {ensure|build|path}" >&2; exit 2 ;;
esac
