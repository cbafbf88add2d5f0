#!/usr/bin/env bash
# The cgroup v2 test host: a small QEMU VM (software emulation, TCG) booted from Debian's kernel
# with a busybox initramfs. The host's / is shared read-only over virtio-9p, cgroup2 is mounted
# alone at /sys/fs/cgroup, and one command runs in the host's tree (switch_root), in the current
# directory. The VM powers off when the command ends; its exit status becomes ours. See
# docs/cgroup-v2-host.md.
#
#   v2host.sh run [--timeout SECONDS] [--mem MIB] [--log FILE] -- COMMAND [ARG...]
#   v2host.sh prepare     fetch the kernel and build the initramfs (cached); print their paths
#   v2host.sh clean       remove the cache
#
# Exit status of "run": the command's, or 124 when the hard timeout hit (the VM is killed),
# or 125 when the VM could not be built, started, or ended without reporting a status.
set -euo pipefail

HERE=$(dirname "$(readlink -f "$0")")
CACHE=${JVS_V2HOST_CACHE:-/var/cache/jvs-v2host}
# Fetches and unpacks Debian's kernel package; shared with the VM contender of `jvs bench paper`.
DEBIAN_KERNEL=$HERE/../../src/main/resources/dev/jvs/bench/vm/debian-kernel.sh
# Load order: nothing inside resolves module dependencies (no depmod/modprobe in the initramfs).
MODULES=(
  drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev
  drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci
  net/9p/9pnet net/9p/9pnet_virtio fs/netfs/netfs fs/fscache/fscache fs/9p/9p
  fs/overlayfs/overlay drivers/block/virtio_blk block/bfq drivers/block/loop
  lib/crc16 fs/mbcache fs/jbd2/jbd2 crypto/crc32c_generic fs/ext4/ext4
)

die() {
  echo "v2host: $*" >&2
  exit 125
}

# Builds $CACHE/host-<key>/{vmlinuz,initramfs.cpio} unless present; prints that directory.
# The key covers every input: kernel package, busybox binary, init script and module list.
prepare() {
  command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
  [ -x /bin/busybox ] || die "/bin/busybox not found (apt-get install busybox-static)"
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9
  local kdir deb key dir tmp
  kdir=$("$DEBIAN_KERNEL" "$CACHE") || exit 125
  deb=$(cat "$kdir/deb")
  key=$( { echo "$deb"; cat /bin/busybox "$HERE/init"; echo "${MODULES[*]}"; } \
    | sha256sum | cut -c1-16)
  dir="$CACHE/host-$key"
  if [ ! -f "$dir/initramfs.cpio" ]; then
    echo "v2host: building the test host from $deb" >&2
    tmp=$(mktemp -d "$CACHE/.build.XXXXXX")
    local root="$tmp/initramfs"
    mkdir -p "$root"/{bin,dev,proc,sys,modules,host}
    cp /bin/busybox "$root/bin/busybox"
    install -m 755 "$HERE/init" "$root/init"
    : >"$root/modules.order"
    for m in "${MODULES[@]}"; do
      cp "$kdir/modules/$m.ko" "$root/modules/" \
        || die "module $m.ko missing from $deb"
      basename "$m" >>"$root/modules.order"
    done
    (cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null) >"$tmp/initramfs.cpio"
    mkdir -p "$tmp/out"
    cp "$kdir/vmlinuz" "$tmp/out/vmlinuz"
    mv "$tmp/initramfs.cpio" "$tmp/out/initramfs.cpio"
    cp "$kdir/kernel-version" "$tmp/out/kernel-version"
    rm -rf "$dir"
    mv "$tmp/out" "$dir"
    rm -rf "$tmp"
    # Hosts built from older inputs are never used again (a running VM has its files loaded).
    find "$CACHE" -maxdepth 1 -name 'host-*' ! -name "host-$key" -exec rm -rf {} +
  fi
  flock -u 9
  echo "$dir"
}

run() {
  local timeout=840 mem=1536 log=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --timeout) timeout=$2; shift 2 ;;
      --mem) mem=$2; shift 2 ;;
      --log) log=$2; shift 2 ;;
      --) shift; break ;;
      *) die "unknown option $1" ;;
    esac
  done
  [ $# -gt 0 ] || die "run: no command given"
  [ "$(id -u)" -eq 0 ] || die "run as root (the VM shares / with QEMU's security_model=none)"
  local host
  host=$(prepare)

  remove_stale_runs
  RUN=$(mktemp -d /tmp/jvs-v2host.XXXXXX)
  echo $$ >"$RUN/owner"
  VM=""
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  mkdir -p "$RUN/out"
  : >"$RUN/console.log"
  # /dev/vda inside, for io.max and io.weight; ext4 at /mnt, a disk-backed filesystem for page cache.
  truncate -s 512M "$RUN/disk.img"
  mkfs.ext4 -q -F "$RUN/disk.img" || die "mkfs.ext4 failed (apt-get install e2fsprogs)"
  {
    echo "cd $(printf %q "$PWD") || exit 125"
    echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LANG=C.UTF-8"
    printf '%q ' "$@"
    echo
  } >"$RUN/out/cmd"
  # A checkout under /tmp or /run stays visible inside (the VM gives both a fresh tmpfs).
  case "$PWD" in
    /tmp/*|/run/*) printf '%s\n' "$PWD" >"$RUN/out/keep" ;;
  esac

  # Two parent-death signals chain the VM to this script: if it is SIGKILLed, timeout(1) dies,
  # and with it QEMU; timeout(1) itself kills QEMU at the deadline; the EXIT trap covers the rest.
  local t0=$SECONDS rc=0
  setpriv --pdeathsig KILL -- timeout --kill-after=10 "$timeout" \
    setpriv --pdeathsig KILL -- qemu-system-x86_64 \
      -accel tcg,thread=multi -cpu max -smp 2 -m "$mem" \
      -nodefaults -no-user-config -display none -no-reboot \
      -kernel "$host/vmlinuz" -initrd "$host/initramfs.cpio" \
      -append "console=ttyS0 quiet loglevel=3 panic=-1 oops=panic" \
      -serial "file:$RUN/console.log" \
      -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
      -virtfs "local,path=$RUN/out,mount_tag=v2out,security_model=none,multidevs=remap" \
      -drive "file=$RUN/disk.img,if=virtio,format=raw" \
      -pidfile "$RUN/qemu.pid" \
      </dev/null >"$RUN/qemu.out" 2>&1 &
  VM=$!
  # In the background too: bash runs traps only between foreground commands, and wait is
  # interruptible, so a SIGTERM to this script ends the VM at once.
  tail -n +1 -F --pid="$VM" "$RUN/console.log" 2>/dev/null &
  TAIL=$!
  wait "$VM" || rc=$?
  VM=""
  wait "$TAIL" 2>/dev/null || true # its last read after QEMU is gone, within a second
  TAIL=""
  rm -f "$RUN/qemu.pid" # QEMU is gone; never signal a pid that may be reused
  [ -z "$log" ] || cp "$RUN/console.log" "$log"
  echo "v2host: VM ran $((SECONDS - t0)) s (kernel $(cat "$host/kernel-version"))" >&2
  if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ $((SECONDS - t0)) -ge "$timeout" ]; }; then
    echo "v2host: timed out after $timeout s; the VM was killed" >&2
    exit 124
  fi
  if [ "$rc" -ne 0 ]; then
    cat "$RUN/qemu.out" >&2
    die "qemu-system-x86_64 failed (exit $rc)"
  fi
  [ -s "$RUN/out/status" ] || die "the VM powered off without reporting a status (see the console log above)"
  exit "$(cat "$RUN/out/status")"
}

# A run whose script was SIGKILLed took its VM along (parent-death signals) but could not remove
# its directory: remove those whose owner is gone.
remove_stale_runs() {
  local d owner
  for d in /tmp/jvs-v2host.*; do
    [ -d "$d" ] || continue
    owner=$(cat "$d/owner" 2>/dev/null || echo 0)
    # No owner yet: a run that is just starting, unless the directory is older than a minute.
    if [ "$owner" -eq 0 ] && [ -z "$(find "$d" -maxdepth 0 -mmin +1)" ]; then
      continue
    fi
    if [ "$owner" -eq 0 ] || ! grep -qs v2host.sh "/proc/$owner/cmdline"; then
      rm -rf "$d"
    fi
  done
}

cleanup() {
  if [ -n "${VM:-}" ]; then
    kill -KILL "$VM" 2>/dev/null || true
  fi
  if [ -n "${TAIL:-}" ]; then
    kill "$TAIL" 2>/dev/null || true
  fi
  if [ -s "${RUN:-}/qemu.pid" ]; then
    kill -KILL "$(cat "$RUN/qemu.pid")" 2>/dev/null || true
  fi
  [ -z "${RUN:-}" ] || rm -rf "$RUN"
}

case "${1:-}" in
  run) shift; run "$@" ;;
  prepare) prepare ;;
  clean) rm -rf "$CACHE" ;;
  *) echo "usage: $0 {run [--timeout S] [--mem MIB] [--log FILE] -- CMD...|prepare|clean}" >&2; exit 2 ;;
esac
