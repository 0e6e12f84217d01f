# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# The small bed: two fresh network namespaces joined by a veth pair, no tunnel.
#
#   [ near ] DEV0 198.51.100.1/24 ===== DEV1 198.51.100.2/24 [ far ]
#            default via .2                 + 203.0.113.10/32 (the "public host")
#
# far records every UDP datagram it receives on port 9000, by its text, so a
# test counts on the far side what arrived. Source after report.sh and set
# PAIR_NEAR and PAIR_FAR (namespace names) at the top level: pair_destroy
# runs from the trap, outside the test's subshell.
#   pair_create DEV0 DEV1            build it (0 or non-zero)
#   pair_destroy                     remove it (idempotent; call from the trap)
#   pair_send DEST TAG N [WRAPPER...]  N datagrams "TAG" from near to DEST:9000
#   pair_arrived TAG                 how many datagrams "TAG" reached far

pair_far_listening() { ip netns exec "$PAIR_FAR" ss -Hlun 'sport = :9000' | grep -q .; }

pair_create() {
	ip netns add "$PAIR_NEAR" && ip netns add "$PAIR_FAR" || return 1
	ip link add "$1" netns "$PAIR_NEAR" type veth peer name "$2" netns "$PAIR_FAR" || return 1
	ip -n "$PAIR_NEAR" addr add 198.51.100.1/24 dev "$1"
	ip -n "$PAIR_FAR" addr add 198.51.100.2/24 dev "$2"
	ip -n "$PAIR_FAR" addr add 203.0.113.10/32 dev "$2"
	ip -n "$PAIR_NEAR" link set lo up && ip -n "$PAIR_FAR" link set lo up
	ip -n "$PAIR_NEAR" link set "$1" up && ip -n "$PAIR_FAR" link set "$2" up
	ip -n "$PAIR_NEAR" route add default via 198.51.100.2 || return 1
	ip netns exec "$PAIR_FAR" python3 -u -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 9000))
while True:
    data, _ = s.recvfrom(2048)
    print(data.decode(errors="replace"), flush=True)
' > "$KS_LOGDIR/received" 2>&1 &
	echo $! > "$KS_LOGDIR/pair-recorder.pid"
	wait_until 5 pair_far_listening
}

pair_destroy() {
	local pid
	pid=$(cat "$KS_LOGDIR/pair-recorder.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
	rm -f "$KS_LOGDIR/pair-recorder.pid"
	[ -e "/run/netns/$PAIR_NEAR" ] && ip netns del "$PAIR_NEAR"
	[ -e "/run/netns/$PAIR_FAR" ] && ip netns del "$PAIR_FAR"
	return 0
}

pair_send() {
	local dest=$1 tag=$2 n=$3; shift 3
	nsenter --net="/run/netns/$PAIR_NEAR" "$@" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[3])):
    try: s.sendto(sys.argv[2].encode(), (sys.argv[1], 9000))
    except OSError: pass
' "$dest" "$tag" "$n"
}

pair_arrived() { grep -cx "$1" "$KS_LOGDIR/received" || true; }
