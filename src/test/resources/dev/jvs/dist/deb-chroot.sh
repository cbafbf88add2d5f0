#!/bin/sh
# Installs a jvs .deb into a fresh Debian 12 root and drives a guest's life there (DebPackageIT).
# Run under `unshare -m --propagation private`: every mount made here, and any a failing jvs
# leaves, ends with this mount namespace; nothing reaches the host's mount table.
#   deb-chroot.sh DEBOOTSTRAP-ROOTFS BASE DEB JVS_ROOT JVS_RUN
# BASE/upper and BASE/work take the root's writes (an overlay on the cached, read-only tree),
# mounted at BASE/root. JVS_ROOT and JVS_RUN are paths inside the root, unique to the run, so
# that its cgroups and names never meet the host's own jvs.
set -eu
lower=$1 base=$2 deb=$3 jvs_root=$4 jvs_run=$5
r=$base/root
step() { echo "== $*"; }
fail() { echo "FAILED: $*"; exit 1; }

mkdir -p "$base/upper" "$base/work" "$r"
mount -t overlay jvs-deb-test -o "lowerdir=$lower,upperdir=$base/upper,workdir=$base/work" "$r"
mount -t proc proc "$r/proc"
mount --bind /sys "$r/sys"
# v1 hosts mount one hierarchy per directory below it.
mount --rbind /sys/fs/cgroup "$r/sys/fs/cgroup"
mount --bind /dev "$r/dev"
mount -t tmpfs tmpfs "$r/run"
mount -t tmpfs tmpfs "$r/tmp"
# jvs's guest layers need an upper filesystem that is not overlayfs.
mkdir -p "$r$jvs_root"
mount -t tmpfs tmpfs "$r$jvs_root"
cp /etc/resolv.conf "$r/etc/resolv.conf"
# A chroot's packages must not start daemons (lxcfs would stay running in here).
printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
chmod 755 "$r/usr/sbin/policy-rc.d"
cp "$deb" "$r/tmp/jvs.deb"

in_root() {
  chroot "$r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    JVS_ROOT="$jvs_root" JVS_RUN="$jvs_run" "$@"
}

step "apt-get install ./jvs.deb (its Depends from the root's mirror)"
in_root apt-get install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 /tmp/jvs.deb \
  >"$base/apt.log" 2>&1 || { tail -20 "$base/apt.log"; fail "apt-get install"; }
in_root dpkg-query -W -f='${Package} ${Version} ${Status}\n' jvs
for f in /usr/bin/jvs /usr/bin/jvs-oci; do echo "$f -> $(in_root readlink -f $f)"; done
for f in /usr/lib/jvs/runtime/bin/java /usr/lib/jvs/jvs-init /usr/lib/jvs/jvs.jar \
  /usr/share/man/man1/jvs.1.gz /usr/share/man/man1/jvs-oci.1.gz \
  /usr/share/bash-completion/completions/jvs /lib/systemd/system/jvs.socket; do
  test -s "$r$f" || fail "$f missing"
done
grep '^ExecStart=' "$r/lib/systemd/system/jvs.service"
grep '^EnvironmentFile=' "$r/lib/systemd/system/jvs.service"
in_root dpkg-query -W -f='conffiles:${Conffiles}\n' jvs | tr -s ' ' | cut -d' ' -f1,2
# Nothing but the package's runtime can run the JVM in here: Debian 12 has no Java 25.
test ! -e "$r/usr/lib/jvm" || fail "a JDK in the fresh root"
for b in busybox ip tc nft lxcfs mkfs.ext4; do
  in_root sh -c "command -v $b" >/dev/null || fail "$b not installed by Depends"
done

step "jvs without a service"
test ! -e "$r$jvs_run/jvs.sock" || fail "a service socket"
in_root jvs --version
in_root jvs-oci --version | head -1
step "jvs build"
in_root jvs build debtest
# A chrooted process may not make a user namespace (clone(2): EPERM), so the package's guest runs
# privileged in here; on a host the new default (unprivileged) applies.
in_root jvs set debtest security.privileged=true
step "jvs start"
in_root jvs start debtest
in_root jvs list
step "jvs exec"
in_root jvs exec debtest -- sh -c 'echo "inside $(hostname) as $(id -u), pid 1 is $(cat /proc/1/comm)"'
step "jvs stop"
in_root jvs stop debtest
step "jvs delete"
in_root jvs delete debtest
in_root jvs list
left=$(awk -v a="$r$jvs_root/" -v b="$r$jvs_run/" 'index($5, a) == 1 || index($5, b) == 1 {print $5}' \
  /proc/self/mountinfo)
[ -z "$left" ] || fail "mounts after delete: $left"

step "dpkg --purge jvs"
in_root dpkg --purge jvs >"$base/purge.log" 2>&1 || { cat "$base/purge.log"; fail "purge"; }
in_root dpkg-query -W -f='${Status}\n' jvs 2>/dev/null || echo "dpkg: no package jvs"
for f in /usr/lib/jvs /etc/default/jvs /usr/bin/jvs /usr/bin/jvs-oci \
  /lib/systemd/system/jvs.service /lib/systemd/system/jvs.socket \
  /usr/share/man/man1/jvs.1.gz /usr/share/man/man1/jvs-oci.1.gz \
  /usr/share/bash-completion/completions/jvs /usr/share/doc/jvs; do
  if [ -e "$r$f" ] || [ -L "$r$f" ]; then fail "left after purge: $f"; fi
done
step "done"
