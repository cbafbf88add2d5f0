#!/usr/bin/env bash
# jvs build driver. Run as root on a Debian 12 host (see README.md):
#   ./build.sh demo    install what jvs needs, build it, bring up guest "demo" on the busybox template
#   ./build.sh test    install what jvs needs, build it and run the whole test suite
#   ./build.sh build   install and build only (target/jvs.jar, jvs-init, jvs-client; ./jvs runs the CLI)
#   ./build.sh setup   install Debian packages only
#   ./build.sh deb     build the Debian package jvs_VERSION_amd64.deb (tools/deb) into target/, or
#                      into $JVS_BUILD_DIR; needs no network beyond what Maven's cache lacks
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

JAVA_HOME=${JVS_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

# Debian packages the build, the runtime and the tests use.
# lxcfs: guest-local /proc views; fontconfig, fonts-dejavu-core: the PNG plots of `jvs bench cpu`.
# qemu-system-x86, e2fsprogs: the cgroup v2 test host (tools/v2host); its kernel is fetched with
# apt-get download into /var/cache/jvs-v2host, not installed.
# debootstrap: Debian templates (docs/templates.md); e2fsprogs also makes disk.space images.
# chromium, chromium-driver: DashboardIT drives the web dashboard in headless Chromium.
# containernetworking-plugins: the CNI bridge/static/loopback plugins of the CRI test's pods.
# postgresql-15: the pgbench and scale experiments of `jvs bench paper`.
# make, flex, bison, bc, libelf-dev: its kernel compile (a tinyconfig build; objtool needs libelf);
# the tree, Debian's linux-source-6.1, is fetched with apt-get download on the experiment's first
# run into /var/cache/jvs/linux-source, not installed.
PACKAGES=(busybox-static gcc libc6-dev maven iproute2 procps podman containerd qemu-system-x86 e2fsprogs lxcfs
  nftables iperf3 fontconfig fonts-dejavu-core debootstrap chromium chromium-driver containernetworking-plugins
  postgresql-15 make flex bison bc libelf-dev)

setup() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "build.sh: run as root (jvs creates namespaces, cgroups and mounts)" >&2
    exit 1
  fi
  if [ ! -x "$JAVA_HOME/bin/java" ]; then
    echo "build.sh: Temurin 25 not found at $JAVA_HOME (set JVS_JAVA_HOME)" >&2
    exit 1
  fi
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "build.sh: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # A criu that passes `criu check` here, for checkpoint/restore (docs/checkpoint.md): the host's,
  # else 4.1.1 built once into /var/cache/jvs/criu. Optional: JVS_SKIP_CRIU=1 skips it, and
  # without one `jvs checkpoint` says so.
  if [ -z "${JVS_SKIP_CRIU:-}" ] && ! tools/criu/criu.sh ensure >/dev/null; then
    echo "build.sh: no working criu; jvs checkpoint and restore will fail (docs/checkpoint.md)" >&2
  fi
}

build() {
  mvn -B -q -DskipTests package
  train_aot
}

# JDK 25 AOT caches cut a cold CLI start by 25-45 % (README, "Figures"). Each is trained on a
# real run of its front-end; ./jvs and ./jvs-oci (jvs-client, when no service answers) use one
# only while it is newer than the jar, because JDK 25.0.3 does not notice a changed jar
# (JDK-8377932) and would run stale classes. JVS_SOCKET empty: the JVM path, never a service.
train_aot() {
  local t java=(java --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1
    -Djvs.init=target/jvs-init -Xlog:aot=error -Xlog:cds=off)
  local -x JVS_SOCKET=
  t=$(mktemp -d /tmp/jvs-aot.XXXXXX)
  chmod 711 "$t" # the training guest is unprivileged: its ids must pass through to its root
  rm -f target/jvs.aot target/jvs-oci.aot
  if JVS_ROOT=$t/root JVS_RUN=$t/run ./jvs build aot >/dev/null &&
    JVS_ROOT=$t/root JVS_RUN=$t/run "${java[@]}" -XX:AOTCacheOutput=target/jvs.aot \
      -jar target/jvs.jar start aot -- /bin/true >/dev/null 2>&1 &&
    "${java[@]}" -XX:AOTCacheOutput=target/jvs-oci.aot -cp target/jvs.jar \
      dev.jvs.oci.cli.OciMain --root "$t/oci" list >/dev/null 2>&1; then
    :
  else
    echo "build.sh: AOT training failed; the CLI runs without a cache" >&2
    rm -f target/jvs.aot target/jvs-oci.aot
  fi
  JVS_ROOT=$t/root JVS_RUN=$t/run ./jvs gc >/dev/null 2>&1 || true
  rm -rf "$t"
}

case "${1:-build}" in
  setup) setup ;;
  deb)
    out=${JVS_BUILD_DIR:-target}
    mvn -B -q -DskipTests -Djvs.buildDir="$(readlink -f "$out")" package
    tools/deb/build-deb.sh "$out" "$out"
    ;;
  build) setup; build ;;
  demo)
    setup; build
    export JVS_ROOT=${JVS_ROOT:-/var/lib/jvs} JVS_RUN=${JVS_RUN:-/run/jvs}
    ./jvs status demo >/dev/null 2>&1 || ./jvs build demo
    ./jvs status demo >/dev/null 2>&1 || ./jvs start demo
    ./jvs list
    echo "--- ps inside guest demo:"
    ./jvs exec demo -- ps
    echo "Guest 'demo' is up: ./jvs enter demo | ./jvs stop demo | ./jvs delete demo"
    ;;
  test)
    setup
    # An empty excludedGroups runs the "slow" tests too, among them the cgroup v2 test host
    # (dev.jvs.v2host.CgroupV2HostKernelTest: a QEMU VM, killed after 13 minutes at most).
    mvn -B verify -Djvs.excludedGroups= ${JVS_TEST_ARGS:-}
    ;;
  *) echo "usage: $0 {demo|test|build|setup|deb}" >&2; exit 2 ;;
esac
