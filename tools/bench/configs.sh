# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# The egress filters under test, each put on (config_apply NAME) and taken
# off (config_clear NAME) the sender's namespace only. Source after bed.sh.
#
#   none             no filter
#   iptables-nft     the reference article's kill switch as OUTPUT rules
#   iptables-legacy  the same with the legacy backend (when it works here)
#   nftables         the same in native nftables, with interval sets
#   ksctl-tc         ksctl up as a user runs it (tc mode; up picks tcx or clsact),
#                    with a WireGuard configuration (bench_wg_config)
#   ksctl-tcx|ksctl-clsact   ksctl up --attach tcx|clsact
#   ksctl-cgroup     ksctl up --mode cgroup on the bench cgroup
#   ksctl-tc-N       ksctl tc with N prefixes from --allow-file
#   empty            an empty tc program (only for BPF run-time accounting)
# KILL_ACTION=reject|drop picks the last rule of the iptables/nftables kill
# switch (the article's REJECT by default).

KSCTL=${KSCTL:-$KS_TOP/build/ksctl}
TEST_PREFIX4=198.51.100.0/24
TEST_PREFIX6=2001:db8::/64
RFC1918="10.0.0.0/8 172.16.0.0/12 192.168.0.0/16"
KILL_ACTION=${KILL_ACTION:-reject}

ks() { snd "$KSCTL" "$@" --pin-dir "$BED_BPFFS/ksctl"; }

# ksctl up/down whose messages are shown only when it fails.
ks_quiet() {
	local out
	out=$(ks "$@" 2>&1) || { echo "bench: ksctl $* failed: $out" >&2; return 1; }
}

# up's arguments for ksctl's default allowlist (any --allow replaces it) plus the test prefixes.
KSCTL_DEFAULT_ALLOW=()
for prefix in $RFC1918 fe80::/10 "$TEST_PREFIX4" "$TEST_PREFIX6"; do
	KSCTL_DEFAULT_ALLOW+=(-a "$prefix")
done

# ksctl up as the benchmark runs it: the WireGuard configuration, the default list and the test prefixes.
ks_up() { ks_quiet up --config "$BED_DIR/wg0.conf" "${KSCTL_DEFAULT_ALLOW[@]}" "$@"; }

# The allowlist file with N prefixes, made once per N (deterministic) and again when its recipe changes.
allow_file() {
	local f=$BENCH_OUT/allow-$1.txt
	# Off the receiver, the blocked hosts and prog_cost's resolvers, whatever N.
	[ "$f" -nt "$BENCH_SRC/prefixes.py" ] && [ "$f" -nt "$BENCH_SRC/configs.sh" ] || python3 "$BENCH_SRC/prefixes.py" "$1" "$TEST_PREFIX4" "$RCV_ADDR" "$BLOCKED_ADDR" 2001:db8::2 \
		2001:db8:ffff::1 198.51.100.53 198.51.100.54 > "$f"
	echo "$f"
}

# The WireGuard configuration every ksctl configuration reads, as in a VPN
# container: a client tunnel wg0 (its mark inferred, 0xca6c), its peer's
# endpoint, the provider's resolver (inside the allowed test prefix) and the
# tunnel's addresses: tunnel-only destinations. wg0 need not exist: tc mode
# leaves tunnels alone.
# tools/bench/prog_cost.c builds its packet classes from the same values.
bench_wg_config() {
	cat > "$BED_DIR/wg0.conf" <<-EOF
	[Interface]
	PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=
	Address = 10.64.0.2/32, fd00:64::2/128
	DNS = 198.51.100.53

	[Peer]
	PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=
	Endpoint = 198.18.0.1:51820
	AllowedIPs = 0.0.0.0/0, ::/0
	EOF
}

# The article's rules (lo, wg0, the mark, RFC 1918, the test prefix, then the
# kill rule), for one iptables binary; ip6tables likewise with fe80::/10 and NDP.
iptables_apply() {
	local v4=$1 v6=$2 target=REJECT p
	[ "$KILL_ACTION" = drop ] && target=DROP
	for t in "$v4" "$v6"; do
		snd "$t" -w -A OUTPUT -o lo -j ACCEPT
		snd "$t" -w -A OUTPUT -o wg0 -j ACCEPT
		snd "$t" -w -A OUTPUT -m mark --mark 0xca6c -j ACCEPT
	done
	for p in $RFC1918 "$TEST_PREFIX4"; do snd "$v4" -w -A OUTPUT -d "$p" -j ACCEPT; done
	for p in fe80::/10 "$TEST_PREFIX6"; do snd "$v6" -w -A OUTPUT -d "$p" -j ACCEPT; done
	snd "$v6" -w -A OUTPUT -p ipv6-icmp -m hl --hl-eq 255 -j ACCEPT
	snd "$v4" -w -A OUTPUT ! -o wg0 -m mark ! --mark 0xca6c -m addrtype ! --dst-type LOCAL -j "$target"
	snd "$v6" -w -A OUTPUT ! -o wg0 -m mark ! --mark 0xca6c -m addrtype ! --dst-type LOCAL -j "$target"
}

iptables_clear() {
	snd "$1" -w -F OUTPUT
	snd "$2" -w -F OUTPUT
}

# Does the legacy backend work in this kernel (ip_tables loaded or loadable)?
iptables_legacy_usable() {
	command -v iptables-legacy > /dev/null && snd iptables-legacy -w -L OUTPUT -n > /dev/null 2>&1 &&
		snd ip6tables-legacy -w -L OUTPUT -n > /dev/null 2>&1
}

nftables_apply() {
	local action=reject
	[ "$KILL_ACTION" = drop ] && action=drop
	snd nft -f - <<-NFT
	table inet ksbench {
		set allow4 { type ipv4_addr; flags interval; elements = { ${RFC1918// /, }, $TEST_PREFIX4 } }
		set allow6 { type ipv6_addr; flags interval; elements = { fe80::/10, $TEST_PREFIX6 } }
		chain output {
			type filter hook output priority filter; policy accept;
			oifname { "lo", "wg0" } accept
			meta mark 0xca6c accept
			ip daddr @allow4 accept
			ip6 daddr @allow6 accept
			ip6 hoplimit 255 icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect } accept
			$action
		}
	}
	NFT
}

# The empty program, pinned once (bench.sh): the baseline of both BPF cost methods.
empty_apply() {
	# ksctl's clsact attachment may have left the qdisc behind: reuse it.
	snd tc qdisc replace dev "$SND_IF" clsact
	snd tc filter add dev "$SND_IF" egress bpf direct-action pinned "$BED_BPFFS/empty"
}

empty_clear() {
	snd tc qdisc del dev "$SND_IF" clsact
}

# config_available NAME: can this machine run it at all?
config_available() {
	case $1 in
	iptables-legacy) iptables_legacy_usable ;;
	*) return 0 ;;
	esac
}

config_apply() {
	case $1 in
	none) ;;
	iptables-nft) iptables_apply iptables-nft ip6tables-nft ;;
	iptables-legacy) iptables_apply iptables-legacy ip6tables-legacy ;;
	nftables) nftables_apply ;;
	empty) empty_apply ;;
	ksctl-tc) ks_up ;;
	ksctl-tcx) ks_up --attach tcx ;;
	ksctl-clsact) ks_up --attach clsact ;;
	ksctl-cgroup) ks_up --mode cgroup --cgroup "$BED_CGROUP" ;;
	ksctl-tc-*) ks_quiet up --config "$BED_DIR/wg0.conf" --force --allow-file "$(allow_file "${1#ksctl-tc-}")" ;;
	*) echo "bench: unknown configuration '$1'" >&2; return 2 ;;
	esac
}

config_clear() {
	case $1 in
	none) ;;
	iptables-nft) iptables_clear iptables-nft ip6tables-nft ;;
	iptables-legacy) iptables_clear iptables-legacy ip6tables-legacy ;;
	nftables) snd nft delete table inet ksbench ;;
	empty) empty_clear ;;
	ksctl-*) ks_quiet down ;;
	esac
}

# The pin directory of the ksctl instance in force.
ksctl_pin_dir() { echo "$BED_BPFFS"/ksctl/netns-*; }

# The pinned program of the ksctl instance in force, for run-time accounting.
ksctl_prog_pin() {
	case $1 in
	ksctl-cgroup) echo "$(ksctl_pin_dir)/prog_cgroup" ;;
	empty) echo "$BED_BPFFS/empty" ;;
	*) echo "$(ksctl_pin_dir)/prog_eth" ;;
	esac
}
