#!/bin/bash
# Where UDP through jvs's bridge loses against the host (docs/evaluation.md, "Where the UDP gap
# goes"): iperf3 in reverse mode (an outside namespace sends, the receiver is under test), one
# stream, unthrottled, alternating four receivers per round: the host; a namespace on a plain
# routed veth (runc's shape); a privileged bridge guest; the same with jvs's nftables tables
# deleted for that run and put back. Root, after ./build.sh build; ROUNDS (5) and T (10 s).
#   tools/bench/udp-paths.sh
set -u
cd "$(dirname "$0")/../.."
export JVS_ROOT=/tmp/jvs-udp-root JVS_RUN=/tmp/jvs-udp-run
NS=jvstudp; L=jvsxudp; HA=198.18.200.1; OA=198.18.200.2
cleanup() { ./jvs stop udpg -t 0 >/dev/null 2>&1; ./jvs delete udpg >/dev/null 2>&1; ip netns del $NS 2>/dev/null; ip link del $L 2>/dev/null; ip netns del jvstudpv 2>/dev/null; ip link del jvsyudp 2>/dev/null; pkill -f "iperf3 -s -p 5299" ; }
trap cleanup EXIT
ip netns add $NS
ip link add $L type veth peer name eth0 netns $NS
ip addr add $HA/30 dev $L; ip link set $L up
ip netns exec $NS ip link set lo up
ip netns exec $NS ip addr add $OA/30 dev eth0
ip netns exec $NS ip link set eth0 up
ip netns exec $NS ip route add default via $HA
ip netns exec $NS iperf3 -s -p 5299 -D
# runc's shape: a namespace on a plain veth, routed by the host (no bridge, no nftables)
ip netns add jvstudpv
ip link add jvsyudp type veth peer name eth0 netns jvstudpv
ip addr add 198.18.201.1/30 dev jvsyudp; ip link set jvsyudp up
ip netns exec jvstudpv ip link set lo up
ip netns exec jvstudpv ip addr add 198.18.201.2/30 dev eth0
ip netns exec jvstudpv ip link set eth0 up
ip netns exec jvstudpv ip route add default via 198.18.201.1
./jvs build udpg >/dev/null && ./jvs set udpg net.mode=bridge security.privileged=true >/dev/null && ./jvs start udpg >/dev/null || exit 1
PID=$(./jvs status udpg | awk '/pid|init/ {for(i=1;i<=NF;i++) if ($i ~ /^[0-9]+$/) {print $i; exit}}')
echo "guest init pid: $PID"
run() { # $1 label, rest: command prefix for the receiver
  label=$1; shift
  "$@" iperf3 -c $OA -p 5299 -u -b 0 -R -t ${T:-10} -J > /tmp/udp-$label.json 2>&1
  python3 -c "
import json,sys
d=json.load(open('/tmp/udp-$label.json'))
s=d['end']['sum']
print('%-14s %8.0f Mbit/s  lost %5.1f %%  receiver cpu %5.1f %%' % ('$label', s['bits_per_second']/1e6, s.get('lost_percent',0), d['end']['cpu_utilization_percent']['host_total']))
"
}
for r in $(seq 1 ${ROUNDS:-5}); do
  run native
  run veth ip netns exec jvstudpv
  run bridge nsenter -t $PID -n
  nft list tables | awk '/jvs/ {print $2, $3}' > /tmp/udp-tables
  while read fam name; do nft list table $fam $name > /tmp/udp-table-$fam-$name.nft; nft delete table $fam $name; done < /tmp/udp-tables
  run bridge-nonft nsenter -t $PID -n
  while read fam name; do nft -f /tmp/udp-table-$fam-$name.nft || echo "restore of $fam $name failed"; done < /tmp/udp-tables
done
