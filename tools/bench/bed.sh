# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# The benchmark's own bed: two network namespaces joined by one veth pair.
#
#   [ snd ] kbs<id> 198.51.100.1/24 ====== kbr<id> 198.51.100.2/24 [ rcv ]
#           2001:db8::1/64                 2001:db8::2/64
#           default via .2                 + 203.0.113.10/32 (blocked "internet" host)
#
# Filters go on snd's egress; load generators run pinned to CPU $SND_CPU in
# snd (and in the bench cgroup, for ksctl's cgroup mode), receivers pinned
# to CPU $RCV_CPU in rcv. Nothing here touches the root namespace.
# Source it; bed_create; bed_destroy is idempotent (the caller traps it).

BED_ID=${BED_ID:-$$}
SND=ksb-snd-$BED_ID
RCV=ksb-rcv-$BED_ID
SND_IF=kbs$BED_ID
RCV_IF=kbr$BED_ID
SND_ADDR=198.51.100.1
RCV_ADDR=198.51.100.2
BLOCKED_ADDR=203.0.113.10
SND_CPU=${SND_CPU:-1}
RCV_CPU=${RCV_CPU:-0}
BED_DIR=
BED_PIDS=()
BED_CGROUP=
BED_BPFFS=

snd() { nsenter --net="/run/netns/$SND" "$@"; }
rcv() { nsenter --net="/run/netns/$RCV" "$@"; }

# Run CMD in snd, on the sender's CPU, inside the bench cgroup.
snd_load() {
	snd taskset -c "$SND_CPU" bash -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' _ "$BED_CGROUP" "$@"
}

# Start a long-lived receiver in rcv on the receiver's CPU; remember its PID.
# A simple command in the background: $! is the receiver itself (nsenter and
# taskset exec it), not a subshell that a kill would leave it behind.
rcv_daemon() {
	local log=$BED_DIR/daemon.${#BED_PIDS[@]}.log
	nsenter --net="/run/netns/$RCV" taskset -c "$RCV_CPU" "$@" > "$log" 2>&1 &
	BED_PIDS+=($!)
}

cgroup2_mount() { awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts; }

bed_create() {
	local cg_root
	BED_DIR=$(mktemp -d "/tmp/ksbench-$BED_ID.XXXXXX")
	cg_root=$(cgroup2_mount)
	[ -n "$cg_root" ] || { echo "bench: no cgroup2 mount in /proc/mounts: mount one (mount -t cgroup2 none DIR)" >&2; return 1; }
	BED_CGROUP=$cg_root/ksbench-$BED_ID
	mkdir "$BED_CGROUP"
	# ksctl's pins go to a bpffs of our own, so nothing is left in /sys/fs/bpf.
	BED_BPFFS=$BED_DIR/bpffs
	mkdir "$BED_BPFFS"
	mount -t bpf bpf "$BED_BPFFS"
	ip netns add "$SND"
	ip netns add "$RCV"
	ip link add "$SND_IF" netns "$SND" type veth peer name "$RCV_IF" netns "$RCV"
	ip -n "$SND" addr add "$SND_ADDR/24" dev "$SND_IF"
	ip -n "$SND" addr add 2001:db8::1/64 dev "$SND_IF" nodad
	ip -n "$RCV" addr add "$RCV_ADDR/24" dev "$RCV_IF"
	ip -n "$RCV" addr add 2001:db8::2/64 dev "$RCV_IF" nodad
	ip -n "$RCV" addr add "$BLOCKED_ADDR/32" dev "$RCV_IF"
	for ns in "$SND" "$RCV"; do ip -n "$ns" link set lo up; done
	ip -n "$SND" link set "$SND_IF" up
	ip -n "$RCV" link set "$RCV_IF" up
	ip -n "$SND" route add default via "$RCV_ADDR"
	# Resolve the neighbour once so no run pays for ARP.
	bed_wait 5 snd ping -c 1 -W 1 "$RCV_ADDR"
}

# bed_wait SECONDS CMD...: poll CMD until it succeeds.
bed_wait() {
	local deadline=$(( $(date +%s) + $1 )); shift
	until "$@" > /dev/null 2>&1; do
		(( $(date +%s) < deadline )) || { echo "bench: timed out waiting for: $*" >&2; return 1; }
		sleep 0.05
	done
}

# Packets the receiving veth has taken in (its own netns view of /proc/net/dev).
rcv_rx_packets() {
	rcv awk -v dev="$RCV_IF:" '$1 == dev { print $3 }' /proc/net/dev
}

bed_destroy() {
	local pid
	for pid in "${BED_PIDS[@]}"; do
		kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null || true
	done
	BED_PIDS=()
	ip netns del "$SND" 2> /dev/null
	ip netns del "$RCV" 2> /dev/null
	if [ -n "$BED_CGROUP" ] && [ -d "$BED_CGROUP" ]; then
		# Anything still in it (a killed load generator) goes back to the root first.
		while read -r pid; do echo "$pid" > "$(dirname "$BED_CGROUP")/cgroup.procs"; done < "$BED_CGROUP/cgroup.procs" 2> /dev/null
		rmdir "$BED_CGROUP" 2> /dev/null
	fi
	[ -n "$BED_BPFFS" ] && umount "$BED_BPFFS" 2> /dev/null
	[ -n "$BED_DIR" ] && rm -rf "$BED_DIR"
	BED_CGROUP='' BED_BPFFS='' BED_DIR=''
	return 0
}
