#!/usr/bin/env bash
# Debian's kernel for jvs's QEMU VMs (the cgroup v2 test host, tools/v2host, and the VM contender
# of `jvs bench paper`): `apt-get download` of the package linux-image-amd64 currently depends on,
# unpacked with dpkg-deb -x into the cache; nothing is installed, /boot stays untouched.
#
#   debian-kernel.sh [CACHE]    prints a directory holding vmlinuz, kernel-version, deb (the
#                               package's file name) and modules/ (its lib/modules/VERSION/kernel)
#
# CACHE defaults to $JVS_V2HOST_CACHE or /var/cache/jvs-v2host. Exit 125 when the kernel cannot
# be fetched (no Debian mirror, no apt).
set -euo pipefail

CACHE=${1:-${JVS_V2HOST_CACHE:-/var/cache/jvs-v2host}}
KERNEL_META=linux-image-amd64

die() {
  echo "debian-kernel: $*" >&2
  exit 125
}

# The linux-image-<version>-amd64 package linux-image-amd64 currently depends on.
kernel_package() {
  local pkg
  pkg=$(apt-cache depends "$KERNEL_META" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  if [ -z "$pkg" ]; then
    apt-get update -qq >&2 || true
    pkg=$(apt-cache depends "$KERNEL_META" 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
  fi
  [ -n "$pkg" ] || die "cannot resolve $KERNEL_META with apt-cache (is the Debian mirror configured?)"
  echo "$pkg"
}

# Downloads the kernel .deb into the cache.
kernel_deb() {
  local pkg=$1 deb
  mkdir -p "$CACHE/debs"
  deb=$(ls "$CACHE/debs/${pkg}"_*.deb 2>/dev/null | tail -n 1 || true)
  if [ -z "$deb" ]; then
    (cd "$CACHE/debs" && apt-get download -q "$pkg" >&2 2>/dev/null) \
      || (cd "$CACHE/debs" && apt-get update -qq >&2 && apt-get download -q "$pkg" >&2) \
      || die "apt-get download $pkg failed"
    deb=$(ls "$CACHE/debs/${pkg}"_*.deb | tail -n 1)
  fi
  echo "$deb"
}

mkdir -p "$CACHE"
# A lock of its own: v2host.sh calls this while it holds $CACHE/.lock.
exec 8>"$CACHE/.kernel.lock"
flock 8
deb=$(kernel_deb "$(kernel_package)")
name=$(basename "$deb" .deb)
dir="$CACHE/kernel-$name"
if [ ! -f "$dir/kernel-version" ]; then
  echo "debian-kernel: unpacking $(basename "$deb")" >&2
  tmp=$(mktemp -d "$CACHE/.kernel.XXXXXX")
  dpkg-deb -x "$deb" "$tmp/pkg"
  kver=$(ls "$tmp/pkg/lib/modules")
  mkdir -p "$tmp/out"
  cp "$tmp/pkg/boot/vmlinuz-$kver" "$tmp/out/vmlinuz"
  mv "$tmp/pkg/lib/modules/$kver/kernel" "$tmp/out/modules"
  basename "$deb" >"$tmp/out/deb"
  echo "$kver" >"$tmp/out/kernel-version"
  rm -rf "$dir"
  mv "$tmp/out" "$dir"
  rm -rf "$tmp"
  # Kernels unpacked from older packages are not used again (a running VM has its files loaded).
  find "$CACHE" -maxdepth 1 -name 'kernel-*' ! -name "kernel-$name" -exec rm -rf {} +
fi
flock -u 8
echo "$dir"
