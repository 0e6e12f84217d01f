#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `sudo make demo`: ksctl at work in a throwaway test bed (network
# namespaces only; see tests/lib/bed.sh). Tells the story a newcomer needs:
# traffic through the tunnel, the tunnel gone and leaks blocked, the
# counters, the tunnel back. Removes everything it made, on every exit path.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KSCTL=${KSCTL:-$TOP/build/ksctl}
# shellcheck source=../tests/lib/bed.sh
. "$TOP/tests/lib/bed.sh"

if [ -t 1 ]; then B=$'\e[1m' D=$'\e[2m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'; else B='' D='' G='' R='' N=''; fi
STEP=0
step() { STEP=$((STEP + 1)); printf '\n%s%d. %s%s\n' "$B" "$STEP" "$*" "$N"; }
say() { printf '   %s\n' "$*"; }
# show "WHAT THE USER TYPES" CMD...: print the command line, run CMD, indent its output.
show() {
	local out
	printf '   %s$ %s%s\n' "$D" "$1" "$N"
	shift
	out=$("$@" 2>&1) || true
	printf '%s\n' "${out:-(no answer)}" | grep -v '^$' | sed 's/^/     /'
}
ok() { printf '   %s%s%s\n' "$G" "$*" "$N"; }
bad() { printf '   %s%s%s\n' "$R" "$*" "$N"; }

# What the container types, run as the consumer (another cgroup, same netns).
curl_() { bed_consumer curl --http0.9 -sS -m 2 "$@"; }
ping_() { bed_consumer ping -n -c1 -W1 "$@"; }
udp_() { echo "hello?" | bed_consumer socat -t2 -T2 - "UDP4:$1:$2"; }
ks() { bed_vpn "$KSCTL" "$@" --pin-dir "$BED_PIN_DIR"; }

direct() { sum direct_{tcp,udp,icmp}{4,6}; }
tunneled() { sum tunnel_{tcp,udp,icmp}{4,6}; }
sum() {
	local n t=0
	for n in "$@"; do t=$((t + $(bed_count "$n"))); done
	echo $t
}

[ "$(id -u)" = 0 ] || { echo "demo: run it as root (sudo make demo)" >&2; exit 1; }
[ -x "$KSCTL" ] || { echo "demo: $KSCTL is missing: run 'make' first" >&2; exit 1; }

printf '%sksctl demo: an eBPF kill switch for a WireGuard VPN container%s\n' "$B" "$N"
say "Everything happens in network namespaces made for this demo, removed at the end."

step "Building the test bed"
BED_QUIET=1 # read by bed.sh
bed_create
say "vpn     the VPN container: eth0 ($VPN_ETH4) to the internet, lan0 to the home LAN"
say "server  the VPN provider: a real WireGuard peer at $BED_ENDPOINT"
say "inet    the internet, with a public web server at $PUB4"
say "lan     a home network host with a web and a DNS server at $LAN_HOST"
say "The 'consumer' is an app in its own cgroup sharing vpn's network,"
say "like a container started with network_mode: service:wireguard."

step "Putting the kill switch in force, then bringing the tunnel up"
say "ksctl goes first: from now on nothing leaves eth0 but the encrypted tunnel,"
say "ARP/neighbour discovery and private (LAN) destinations. It reads the peer's"
say "endpoint, the mark and the provider's DNS from the configuration wg-quick will read."
show "ksctl up --config wg0.conf" ks up --config "$BED_WG_CONF"
bed_tunnel_up
ok "wg0 is up, with a handshake with the server at $BED_ENDPOINT."
show "ksctl status" ks status

step "The consumer browses the internet through the tunnel"
bed_counts_reset
show "curl http://$PUB4/" curl_ "http://$PUB4/"
show "ping -c1 $PUB4" ping_ "$PUB4"
say "What the internet saw:"
if [ "$(tunneled)" -gt 0 ] && [ "$(direct)" = 0 ]; then
	ok "$(tunneled) packets from $SRV4 (the VPN server), 0 from the container's own address."
else
	bad "unexpected: $(tunneled) packets through the tunnel, $(direct) direct"
fi

step "The tunnel goes down (wg-quick down), the kill switch stays"
printf '   %s$ wg-quick down wg0%s\n' "$D" "$N"
bed_tunnel_down
say "wg0 is gone, so the routes now point straight out of eth0. The consumer tries:"
bed_counts_reset
show "curl http://$PUB4/" curl_ "http://$PUB4/"
show "ping -c1 $PUB4" ping_ "$PUB4"
show "echo hello? | socat - UDP:$PUB4:7" udp_ "$PUB4" 7
say "And with SO_BINDTODEVICE, forcing eth0 explicitly:"
show "ping -c1 -I eth0 $PUB4" ping_ -I eth0 "$PUB4"
say "What the internet saw from the container:"
if [ "$(direct)" = 0 ] && [ "$(bed_leaks)" = 0 ]; then
	ok "nothing: 0 packets arrived, 0 frames left eth0 outside the tunnel."
else
	bad "LEAK: $(direct) packets arrived, $(bed_leaks) frames counted"
fi

say "The provider's resolver, $PROVIDER_DNS, lies in 10.0.0.0/8, which is allowed for the LAN:"
show "echo query | socat - UDP:$PROVIDER_DNS:53" udp_ "$PROVIDER_DNS" 53
if [ "$(bed_count dns_direct)" = 0 ]; then
	ok "dropped: DNS leaves only through the tunnel (or to a resolver named with --lan-dns)."
else
	bad "LEAK: the query reached the resolver outside the tunnel"
fi
say "A consumer with Docker's default NET_RAW can put the tunnel's mark on its socket:"
show "python3 forge.py somark-tcp $PUB4 80 0xca6c" bed_consumer python3 "$TOP/tests/e2e/forge.py" somark-tcp "$PUB4" 80 0xca6c
if [ "$(direct)" = 0 ]; then
	ok "dropped: the mark passes only WireGuard's own UDP to the peer's endpoint."
else
	bad "LEAK: the marked connection reached $PUB4"
fi

step "The home LAN still works"
show "curl http://$LAN_HOST/" curl_ "http://$LAN_HOST/"
say "(private destinations are allowed; a LAN DNS server takes --lan-dns $LAN_HOST)"

step "The counters: what ksctl passed and dropped, and why"
show "ksctl stats" ks stats
say "pass endpoint: the encrypted WireGuard packets to $BED_ENDPOINT, with wg-quick's mark."
say "pass link_layer: ARP, IPv6 neighbour discovery and multicast listener reports."
say "pass allowlist: the LAN web page.  drop fwmark_other: the forged mark."
say "drop dns: the query to the provider's resolver.  drop ipv4/ipv6: the attempts"
say "above, and WireGuard's first handshake, sent before wg-quick set the mark (it"
say "retried 5 s later, marked; 'FwMark = 51820' in wg0.conf avoids that wait)."

step "The tunnel comes back: no need to touch ksctl"
bed_tunnel_up
bed_counts_reset
show "curl http://$PUB4/" curl_ "http://$PUB4/"
if [ "$(tunneled)" -gt 0 ] && [ "$(direct)" = 0 ]; then
	ok "Back through the tunnel; still nothing outside it."
fi

step "Cleaning up"
ks down >/dev/null 2>&1 || true
bed_destroy
ok "Test bed removed. See 'ksctl help' and README.md for the real setup."
