#!/usr/bin/env bash
# A criu that works on this host, for `jvs checkpoint`/`restore` (docs/checkpoint.md).
#   tools/criu/criu.sh ensure   print the path of a working criu; build one first when neither
#                               the cache nor the host's own criu passes `criu check`
#   tools/criu/criu.sh build    (re)build into the cache
#   tools/criu/criu.sh path     print the cached criu's path (exit 1 when none is built)
# Debian 12's criu 3.17.1 fails `criu check` on kernel 6.18 ("Unexpected rt vDSO area bounds");
# 4.1.1 (Debian 13) passes it but cannot dump a TCP socket on kernels >= 6.16 (SO_PASSCRED is
# refused there for inet sockets; criu 4.2 asks only unix and netlink sockets). So the build
# takes 4.2.1 from Debian unstable's source package, else 4.1.1 from Debian 13's: the upstream
# tarball, fetched by apt through a private configuration (one deb-src line; apt checks the
# tarball against the signed index), built with `make criu` against Debian 12's build
# dependencies. Nothing is installed: the binary stays in the cache (JVS_CRIU_CACHE, default
# /var/cache/jvs/criu/VERSION/criu).
# criu keeps its kernel probe (~40 ms a run) in RUNDIR/criu.kdat only when RUNDIR is a tmpfs, so
# that a reboot clears it; /run is none on some hosts (this one), /dev/shm is one everywhere. jvs
# makes /dev/shm/jvs-criu root's own before it runs criu (runtime/KerndatCache), since /dev/shm
# is writable by every user. A cached build made with other options is rebuilt once.
set -euo pipefail

CANDIDATES=(4.2.1:sid 4.1.1:trixie) # VERSION:SUITE, preferred first
CACHE=${JVS_CRIU_CACHE:-/var/cache/jvs/criu}
MAKE_OPTIONS=(RUNDIR=/dev/shm/jvs-criu)
BUILD_DEPS=(gcc make pkg-config libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev protobuf-compiler
  libnl-3-dev libnet1-dev libcap-dev libbsd-dev libnftables-dev libgnutls28-dev uuid-dev)

fail() {
  echo "criu.sh: $*" >&2
  exit 1
}

works() { [ -x "$1" ] && "$1" check >/dev/null 2>&1; }

# Whether criu $1 was built with today's MAKE_OPTIONS (the stamp beside it says).
current() { [ "$(cat "$(dirname "$1")/make-options" 2>/dev/null)" = "${MAKE_OPTIONS[*]}" ]; }

# The first cached criu that passes `criu check`, in the order of CANDIDATES.
cached() {
  local c
  for c in "${CANDIDATES[@]}"; do
    if works "$CACHE/${c%%:*}/criu"; then
      echo "$CACHE/${c%%:*}/criu"
      return 0
    fi
  done
  return 1
}

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
  TMP=$(mktemp -d "$CACHE/build.XXXXXX") # global: the EXIT trap runs after build() returns
  trap 'rm -rf "$TMP"' EXIT
  local c version suite apt opts
  for c in "${CANDIDATES[@]}"; do
    version=${c%%:*} suite=${c#*:}
    apt=$CACHE/apt-$suite
    mkdir -p "$apt/lists/partial" "$apt/archives/partial"
    echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
      >"$apt/sources.list"
    opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt")
    apt-get "${opts[@]}" -qq update >&2 || continue
    # The .dsc and Debian tarball may be gone from the mirror; the orig tarball is all we need.
    (cd "$TMP" && apt-get "${opts[@]}" -qq source --download-only "criu=$version-1" >&2 || true)
    [ -f "$TMP/criu_$version.orig.tar.xz" ] && break
    echo "criu.sh: criu $version is not in $suite's sources any more" >&2
    version=
  done
  [ -n "$version" ] || fail "apt could fetch none of: ${CANDIDATES[*]}"
  tar -C "$TMP" -xf "$TMP/criu_$version.orig.tar.xz"
  echo "criu.sh: building criu $version (a few minutes)" >&2
  nice make -C "$TMP/criu-$version" -j"$(nproc)" criu "${MAKE_OPTIONS[@]}" >"$TMP/build.log" 2>&1 ||
    { tail -20 "$TMP/build.log" >&2; fail "make criu failed"; }
  local bin=$CACHE/$version/criu
  mkdir -p "$CACHE/$version"
  install -m 0755 "$TMP/criu-$version/criu/criu" "$bin.new"
  mv "$bin.new" "$bin"
  echo "${MAKE_OPTIONS[*]}" >"$CACHE/$version/make-options"
  works "$bin" || fail "$bin built but \`criu check\` fails: $("$bin" check 2>&1 | tail -1)"
  echo "$bin"
}

case "${1:-ensure}" in
  ensure)
    # The preferred version is built once with today's options (a marker remembers the
    # attempt); after that any cached one that works will do, then the host's.
    preferred=${CANDIDATES[0]%%:*}
    tried=$CACHE/.tried-$preferred-$(echo "${MAKE_OPTIONS[*]}" | md5sum | cut -c1-8)
    if works "$CACHE/$preferred/criu" && current "$CACHE/$preferred/criu"; then
      echo "$CACHE/$preferred/criu"
    elif [ ! -e "$tried" ] && mkdir -p "$CACHE" && : >"$tried" &&
      (build); then
      :
    elif cached; then
      :
    elif works "$(command -v criu || true)"; then
      command -v criu
    else
      fail "no criu passes \`criu check\` here (docs/checkpoint.md)"
    fi
    ;;
  build) build ;;
  path) cached ;;
  *) echo "usage: $0 {ensure|build|path}" >&2; exit 2 ;;
esac
