# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# The shared test bed: a VPN container, its WireGuard provider, the internet
# and a home LAN, each a network namespace with a per-run name. Source it,
# call bed_create, and everything is removed again on every exit path.
#
#   lan (home network)          vpn (the VPN container: ksctl, wg-quick)
#   eth0 192.168.77.2/24 ------- lan0 192.168.77.1/24
#   UDP :53 "DNS", TCP :80       fwd0 192.168.78.1/24 ------- fwd: eth0 192.168.78.2/24,
#                                                             a host using vpn as gateway
#                                wg0  198.19.0.2/32, 2001:db8:77::2/128
#                                eth0 198.18.0.2/24, 2001:db8:18::2/64
#                                  |
#   inet (the internet, routes)    |
#   v-vpn 198.18.0.1/24, 2001:db8:18::1/64   <- the leak detector listens here
#   lo    public hosts 203.0.113.10, 198.51.100.10, 2001:db8:ff::10, 2001:db8:ff::11
#         TCP :80 "hello from the internet", UDP echo :7;
#         10.64.0.1 the provider's resolver (the client config's DNS), UDP
#         and TCP :53, reached through the tunnel (from SRV4) or, leaked, direct
#   v-phone 198.18.9.1/24 ----------------- phone (on demand, bed_phone_create):
#                                            eth0 198.18.9.2/24, a WireGuard peer
#                                            of vpn's server tunnel wg1 (UDP :51821)
#   v-srv 198.18.1.1/24, 2001:db8:19::1/64
#                                  |
#   server (the VPN provider)      |
#   eth0 198.18.1.2/24, 2001:db8:19::2/64, WireGuard endpoint UDP :51820
#   wgsrv<sfx> 198.19.0.1/24, 2001:db8:77::1/64; tunnel traffic leaves NATed
#
#   consumer: a process in its own cgroup v2 that joins vpn's network namespace
#             (docker's `network_mode: service:wireguard`)
#
# Observation, all on the far side:
#   - inet counts every frame that vpn's eth0 sends, except the encrypted
#     WireGuard UDP to the server endpoint (and from vpn's own server to the
#     phone), ARP and link-scope IPv6 destinations: that is a leak
#     (nft netdev ingress counter "leak" on v-vpn; a tcpdump log says what).
#   - inet counts arrivals at the public hosts by path and protocol:
#     tunnel_{tcp,udp,icmp}{4,6} (source: the server's NAT address) and
#     direct_{tcp,udp,icmp}{4,6} (any other source: it bypassed the tunnel);
#     DNS to the provider's resolver as dns_tunnel and dns_direct.
#   - lan counts lan_{tcp,udp,icmp}; server counts srv_tunnel (packets out of
#     the tunnel towards the public hosts).
#
# Functions (all return non-zero on failure; none exits):
#   bed_create                 build everything; installs an EXIT/INT/TERM trap
#                              that calls bed_destroy (BED_NO_TRAP=1: you call it)
#   bed_destroy                idempotent teardown: processes (by PID), cgroup,
#                              bpffs, namespaces, temp dir
#   bed_vpn|bed_inet|bed_srv|bed_lan|bed_fwd CMD...   run CMD in that namespace
#                              (nsenter --net: keeps our mounts)
#   bed_consumer CMD...        run CMD in the consumer cgroup, in vpn's netns,
#                              with Docker's default capabilities (NET_RAW, no NET_ADMIN)
#   bed_ksctl ARGS...          ksctl in vpn via nsenter, pins in the bed's bpffs
#   bed_ksctl_up ARGS...       ksctl up --config (the bed's wg0.conf) ARGS...
#   bed_ksctl_private ARGS...  ksctl in vpn via `ip netns exec` (private mount
#                              namespace: its pins die with it)
#   bed_tunnel_up [--no-wait] [CONF]   wg-quick up (the bed's wg0.conf by default),
#                              then wait until the peer answers through it
#   bed_tunnel_wait [SECONDS]  wait until the server answers through the tunnel
#   bed_tunnel_down            wg-quick down; waits for wireguard-go to exit
#   bed_wg CMD...              run CMD (wg, wg-quick) in vpn with the bed's
#                              private wireguard-go socket folder
#   bed_count NAME             packets counted so far by the named counter
#   bed_counts_reset           zero every counter
#   bed_leaks                  packets leaked so far (counter "leak")
#   bed_leak_log               what leaked (tcpdump lines, inet side)
#   bed_probe_icmp|udp|tcp DST [IFACE]   one probe from the consumer; IFACE
#                              binds the socket to a device (SO_BINDTODEVICE).
#                              Never trust their return code: read counters.
#   bed_leak_attempts [IFACE]  the consumer's TCP, UDP and ICMP to PUB4 and PUB6 at once
#   bed_wait_count NAME MIN [SECONDS]  poll until counter NAME >= MIN
#   bed_client_conf ADDRESS_LINE   print a client wg-quick config with that
#                              [Interface] address line (for broken configs)
#   bed_veth NS_A NAME_A NS_B NAME_B, bed_addr NS DEV ADDR...   more links
#   bed_phone_create           the phone namespace and vpn's server tunnel config
#                              (BED_SRV_CONF, wg1, ListenPort 51821); bed_phone_up
#                              brings wg1 up in vpn and the phone's tunnel up
#   bed_kill_pids PID...       TERM, then KILL what is still there after 3 s
#   wait_for SECONDS CMD...    poll CMD until it succeeds
#
# Variables after bed_create: BED_SFX BED_DIR BED_PIN_DIR BED_CGROUP
#   BED_VPN BED_INET BED_SERVER BED_LAN BED_FWD (namespace names),
#   BED_TUNNEL (wg0) BED_WG_CONF BED_ENDPOINT BED_WG_PORT BED_GW_MAC,
#   PUB4 PUB4_ALT PUB6 PUB6_ALT LAN_HOST VPN_ETH4 VPN_ETH6 GW4 GW6 SRV4 SRV6
#   TUN_SRV4 TUN_CLI4 TUN_SRV6 TUN_CLI6 LAN_GW FWD_HOST FWD_GW BED_SRV_IF,
#   PROVIDER_DNS; after bed_phone_create BED_PHONE BED_SRV_CONF PHONE_HOST
#   PHONE_TUN VPN_SRV_TUN VPN_SRV_PORT.
# Env: KSCTL (the binary; default build/test/ksctl), BED_QUIET=1.
# Helpers beside it: responder.py (TCP/UDP answers). Needs root, iproute2,
# nftables, socat, tcpdump, iputils-ping, wireguard-tools, wireguard-go,
# util-linux (nsenter, unshare), python3, curl.

KS_TOP=${KS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KSCTL=${KSCTL:-$KS_TOP/build/test/ksctl}
BED_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

PUB4=203.0.113.10
PUB4_ALT=198.51.100.10
PUB6=2001:db8:ff::10
PUB6_ALT=2001:db8:ff::11
VPN_ETH4=198.18.0.2
VPN_ETH6=2001:db8:18::2
GW4=198.18.0.1
GW6=2001:db8:18::1
SRV4=198.18.1.2
SRV6=2001:db8:19::2
TUN_SRV4=198.19.0.1
TUN_CLI4=198.19.0.2
TUN_SRV6=2001:db8:77::1
TUN_CLI6=2001:db8:77::2
LAN_HOST=192.168.77.2
LAN_GW=192.168.77.1
FWD_HOST=192.168.78.2
FWD_GW=192.168.78.1
PROVIDER_DNS=10.64.0.1
PHONE_HOST=198.18.9.2
PHONE_TUN=10.13.13.2
VPN_SRV_TUN=10.13.13.1
VPN_SRV_PORT=51821
BED_TUNNEL=wg0
BED_WG_PORT=51820
BED_ENDPOINT=$SRV4:$BED_WG_PORT

bed_log() { [ "${BED_QUIET:-0}" = 1 ] || echo "bed: $*" >&2; }

bed_vpn() { nsenter --net="/run/netns/$BED_VPN" "$@"; }
bed_inet() { nsenter --net="/run/netns/$BED_INET" "$@"; }
bed_srv() { nsenter --net="/run/netns/$BED_SERVER" "$@"; }
bed_lan() { nsenter --net="/run/netns/$BED_LAN" "$@"; }
bed_fwd() { nsenter --net="/run/netns/$BED_FWD" "$@"; }

# wireguard-go keeps its control socket in /var/run/wireguard, shared by
# every namespace: give the bed its own folder there, in a private mount
# namespace, so that our wg0 never meets another run's wg0.
# wg-quick hands a DNS line to resolvconf: the bed's stand-in accepts it.
bed_wg_in() {
	local ns=$1; shift
	PATH=$BED_DIR/bin:$PATH unshare --mount --propagation private -- sh -c \
		'mount --bind "$1" /run/wireguard && shift && exec "$@"' \
		_ "$BED_DIR/wgrun" nsenter --net="/run/netns/$ns" "$@"
}
bed_wg() { bed_wg_in "$BED_VPN" "$@"; }

bed_ksctl() { bed_vpn "$KSCTL" "$@" --pin-dir "$BED_PIN_DIR"; }
bed_ksctl_up() { bed_ksctl up --config "$BED_WG_CONF" "$@"; }
bed_ksctl_private() { ip netns exec "$BED_VPN" "$KSCTL" "$@"; }

# Docker's default capability set (CapEff 00000000a80425fb): what a joined
# container's root holds, NET_RAW included, NET_ADMIN not.
BED_DOCKER_CAPS=chown,dac_override,fowner,fsetid,kill,setgid,setuid,setpcap,net_bind_service,net_raw,sys_chroot,mknod,audit_write,setfcap
# shellcheck disable=SC2034 # for the suites that source the bed
BED_DOCKER_CAPEFF=00000000a80425fb

# The consumer: a shell moves itself into the bed's cgroup, then becomes
# CMD inside vpn's network namespace, as root with exactly Docker's default
# capabilities (a joined container; `network_mode: service:wireguard`).
bed_consumer() {
	bash -c 'echo $$ > "$1/cgroup.procs" && shift && exec nsenter --net="$1" \
		setpriv --inh-caps=-all --ambient-caps=-all --bounding-set="-all,+${2//,/,+}" -- "${@:3}"' \
		_ "$BED_CGROUP" "/run/netns/$BED_VPN" "$BED_DOCKER_CAPS" "$@"
}

bed_cgroup2_root() {
	awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts
}

bed_need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null 2>&1 || { echo "bed: '$tool' is missing: run 'make deps'" >&2; return 1; }
	done
}

# veth NS_A NAME_A NS_B NAME_B: a pair made directly inside the namespaces,
# so that nothing ever appears in the root namespace.
bed_veth() {
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

bed_create() {
	bed_need ip nft socat tcpdump ping wg wg-quick wireguard-go nsenter unshare python3 curl ss || return 1
	[ "$(id -u)" = 0 ] || { echo "bed: needs root" >&2; return 1; }
	BED_SFX=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	BED_DIR=$(mktemp -d "/tmp/ksbed-$BED_SFX.XXXXXX")
	BED_VPN=ksbed-vpn-$BED_SFX BED_INET=ksbed-inet-$BED_SFX BED_SERVER=ksbed-srv-$BED_SFX
	BED_LAN=ksbed-lan-$BED_SFX BED_FWD=ksbed-fwd-$BED_SFX
	# Made on demand (bed_phone_create), possibly in a subshell: named here so that bed_destroy finds it.
	BED_PHONE=ksbed-phone-$BED_SFX
	BED_SRV_IF=wgsrv$BED_SFX
	BED_PIN_DIR=$BED_DIR/bpffs
	BED_CGROUP=$(bed_cgroup2_root)/ksbed-$BED_SFX
	BED_CREATED=1
	if [ "${BED_NO_TRAP:-0}" != 1 ]; then
		trap 'bed_destroy' EXIT
		trap 'bed_destroy; trap - EXIT; exit 130' INT TERM
	fi
	bed_log "creating bed $BED_SFX in $BED_DIR"
	bed_make_namespaces &&
		bed_make_links &&
		bed_make_observers &&
		bed_make_listeners &&
		bed_make_server &&
		bed_make_client_conf &&
		bed_make_host_side || { echo "bed: creation failed" >&2; return 1; }
}

bed_make_namespaces() {
	local ns
	for ns in "$BED_VPN" "$BED_INET" "$BED_SERVER" "$BED_LAN" "$BED_FWD"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
	done
	mkdir -p "$BED_DIR/wgrun" /run/wireguard "$BED_PIN_DIR" "$BED_DIR/bin"
	printf '#!/bin/sh\ncat >/dev/null\n' > "$BED_DIR/bin/resolvconf"
	chmod 755 "$BED_DIR/bin/resolvconf"
	mount -t bpf bpf "$BED_PIN_DIR" || return 1
	mkdir "$BED_CGROUP" || return 1
}

bed_make_links() {
	bed_veth "$BED_VPN" eth0 "$BED_INET" v-vpn
	bed_veth "$BED_SERVER" eth0 "$BED_INET" v-srv
	bed_veth "$BED_VPN" lan0 "$BED_LAN" eth0
	bed_veth "$BED_VPN" fwd0 "$BED_FWD" eth0
	# No DAD: addresses are usable at once, no waiting for them.
	local ns
	for ns in "$BED_VPN" "$BED_INET" "$BED_SERVER" "$BED_LAN" "$BED_FWD"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
	bed_addr "$BED_VPN" eth0 "$VPN_ETH4/24" "$VPN_ETH6/64"
	bed_addr "$BED_INET" v-vpn "$GW4/24" "$GW6/64"
	bed_addr "$BED_INET" v-srv 198.18.1.1/24 2001:db8:19::1/64
	bed_addr "$BED_SERVER" eth0 "$SRV4/24" "$SRV6/64"
	bed_addr "$BED_INET" lo "$PUB4/32" "$PUB4_ALT/32" "$PUB6/128" "$PUB6_ALT/128" "$PROVIDER_DNS/32"
	bed_addr "$BED_VPN" lan0 "$LAN_GW/24"
	bed_addr "$BED_LAN" eth0 "$LAN_HOST/24"
	bed_addr "$BED_VPN" fwd0 "$FWD_GW/24"
	bed_addr "$BED_FWD" eth0 "$FWD_HOST/24"
	ip -n "$BED_VPN" route add default via "$GW4"
	ip -n "$BED_VPN" -6 route add default via "$GW6"
	ip -n "$BED_SERVER" route add default via 198.18.1.1
	ip -n "$BED_SERVER" -6 route add default via 2001:db8:19::1
	ip -n "$BED_FWD" route add default via "$FWD_GW"
	ip netns exec "$BED_INET" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip netns exec "$BED_VPN" sysctl -qw net.ipv4.ip_forward=1
	# vpn is a gateway for fwd: its clients leave with vpn's address.
	bed_vpn nft -f - <<-EOF
	table ip ksbed {
		chain post { type nat hook postrouting priority srcnat; policy accept;
			ip saddr 192.168.78.0/24 oifname != "fwd0" masquerade
		}
	}
	EOF
}

bed_addr() {
	local ns=$1 dev=$2 a; shift 2
	for a in "$@"; do
		ip -n "$ns" addr add "$a" dev "$dev" nodad 2>/dev/null || ip -n "$ns" addr add "$a" dev "$dev" || return 1
	done
}

bed_make_observers() {
	local proto fam via rules="" counters="" dst match
	for fam in 4 6; do
		for proto in tcp udp icmp; do
			for via in tunnel direct; do
				counters+="counter ${via}_$proto$fam {}"$'\n'
			done
		done
	done
	counters+="counter dns_tunnel {}"$'\n'"counter dns_direct {}"$'\n'
	rules+="ip daddr $PROVIDER_DNS th dport 53 ip saddr $SRV4 counter name dns_tunnel accept"$'\n'
	rules+="ip daddr $PROVIDER_DNS th dport 53 counter name dns_direct accept"$'\n'
	for fam in 4 6; do
		if [ $fam = 4 ]; then dst="ip daddr { $PUB4, $PUB4_ALT }"; else dst="ip6 daddr { $PUB6, $PUB6_ALT }"; fi
		for proto in tcp udp icmp; do
			match="meta l4proto $proto"
			[ $fam = 6 ] && [ $proto = icmp ] && match="meta l4proto ipv6-icmp"
			if [ $fam = 4 ]; then
				rules+="$dst $match ip saddr $SRV4 counter name tunnel_${proto}4 accept"$'\n'
				rules+="$dst $match counter name direct_${proto}4 accept"$'\n'
			else
				rules+="$dst $match ip6 saddr $SRV6 counter name tunnel_${proto}6 accept"$'\n'
				rules+="$dst $match counter name direct_${proto}6 accept"$'\n'
			fi
		done
	done
	bed_inet nft -f - <<-EOF || return 1
	table inet ksbed {
		$counters
		chain arrive { type filter hook input priority 0; policy accept;
			$rules
		}
	}
	table netdev ksbed {
		counter leak {}
		chain from_vpn { type filter hook ingress device "v-vpn" priority 0; policy accept;
			ether type arp accept
			ip daddr $SRV4 udp dport $BED_WG_PORT accept
			# vpn's own WireGuard server answering the phone.
			ip daddr $PHONE_HOST udp sport $VPN_SRV_PORT accept
			# Link-local stays on the link: never the internet.
			ip6 daddr fe80::/10 accept
			ip6 daddr ff02::/16 accept
			counter name leak
		}
	}
	EOF
	bed_lan nft -f - <<-EOF || return 1
	table inet ksbed {
		counter lan_tcp {}
		counter lan_udp {}
		counter lan_icmp {}
		chain arrive { type filter hook input priority 0; policy accept;
			ip daddr $LAN_HOST meta l4proto tcp counter name lan_tcp
			ip daddr $LAN_HOST meta l4proto udp counter name lan_udp
			ip daddr $LAN_HOST meta l4proto icmp counter name lan_icmp
		}
	}
	EOF
	# What leaked, for the failure messages.
	bed_inet tcpdump -l -n -Q in -i v-vpn \
		"not arp and not (udp and dst host $SRV4 and dst port $BED_WG_PORT) and not (udp and dst host $PHONE_HOST and src port $VPN_SRV_PORT) and not dst net fe80::/10 and not dst net ff02::/16" \
		> "$BED_DIR/leak.txt" 2> "$BED_DIR/tcpdump.err" &
	wait_for 10 grep -q 'listening on' "$BED_DIR/tcpdump.err" || { cat "$BED_DIR/tcpdump.err" >&2; return 1; }
}

bed_make_listeners() {
	local a
	for a in "$PUB4" "$PUB4_ALT" "$PUB6" "$PUB6_ALT"; do
		bed_inet python3 "$BED_LIB/responder.py" tcp "$a" 80 'hello from the internet' </dev/null >/dev/null 2>&1 &
		bed_inet python3 "$BED_LIB/responder.py" udp "$a" 7 </dev/null >/dev/null 2>&1 &
	done
	bed_lan python3 "$BED_LIB/responder.py" udp "$LAN_HOST" 53 'lan dns answer' </dev/null >/dev/null 2>&1 &
	bed_lan python3 "$BED_LIB/responder.py" tcp "$LAN_HOST" 80 'hello from the lan' </dev/null >/dev/null 2>&1 &
	bed_inet python3 "$BED_LIB/responder.py" udp "$PROVIDER_DNS" 53 'provider dns answer' </dev/null >/dev/null 2>&1 &
	bed_inet python3 "$BED_LIB/responder.py" tcp "$PROVIDER_DNS" 53 'provider dns answer' </dev/null >/dev/null 2>&1 &
	wait_for 10 bed_listening "$BED_INET" 10 && wait_for 10 bed_listening "$BED_LAN" 2
}

# bed_listening NS N: at least N TCP listeners and UDP sockets are up in NS.
bed_listening() {
	[ "$(nsenter --net="/run/netns/$1" ss -Hltun | wc -l)" -ge "$2" ]
}

bed_make_server() {
	umask 077
	wg genkey > "$BED_DIR/server.key" && wg pubkey < "$BED_DIR/server.key" > "$BED_DIR/server.pub" &&
		wg genkey > "$BED_DIR/client.key" && wg pubkey < "$BED_DIR/client.key" > "$BED_DIR/client.pub" || return 1
	umask 022
	mkdir -p "$BED_DIR/server"
	cat > "$BED_DIR/server/$BED_SRV_IF.conf" <<-EOF
	[Interface]
	PrivateKey = $(cat "$BED_DIR/server.key")
	ListenPort = $BED_WG_PORT
	Address = $TUN_SRV4/24, $TUN_SRV6/64
	[Peer]
	PublicKey = $(cat "$BED_DIR/client.pub")
	AllowedIPs = $TUN_CLI4/32, $TUN_CLI6/128
	EOF
	chmod 600 "$BED_DIR/server/$BED_SRV_IF.conf"
	ip netns exec "$BED_SERVER" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go \
		bed_wg_in "$BED_SERVER" wg-quick up "$BED_DIR/server/$BED_SRV_IF.conf" >"$BED_DIR/server-up.log" 2>&1 ||
		{ cat "$BED_DIR/server-up.log" >&2; return 1; }
	# The provider: tunnel traffic leaves for the internet with the
	# server's address, so inet can tell "came through the tunnel".
	bed_srv nft -f - <<-EOF
	table inet ksbed {
		counter srv_tunnel {}
		chain from_tunnel { type filter hook forward priority 0; policy accept;
			iifname "$BED_SRV_IF" counter name srv_tunnel
		}
		chain post { type nat hook postrouting priority srcnat; policy accept;
			iifname "$BED_SRV_IF" oifname "eth0" masquerade
		}
	}
	EOF
}

bed_make_client_conf() {
	mkdir -p "$BED_DIR/client"
	BED_WG_CONF=$BED_DIR/client/$BED_TUNNEL.conf
	bed_client_conf "Address = $TUN_CLI4/32, $TUN_CLI6/128" > "$BED_WG_CONF"
	chmod 600 "$BED_WG_CONF"
}

# bed_client_conf ADDRESS_LINE: the client's configuration, as a provider
# hands it out, with the provider's resolver (the reference article's).
bed_client_conf() {
	cat <<-EOF
	[Interface]
	PrivateKey = $(cat "$BED_DIR/client.key")
	$1
	DNS = $PROVIDER_DNS
	[Peer]
	PublicKey = $(cat "$BED_DIR/server.pub")
	AllowedIPs = 0.0.0.0/0, ::/0
	Endpoint = $BED_ENDPOINT
	EOF
}

bed_make_host_side() {
	BED_GW_MAC=$(ip -n "$BED_INET" -br link show v-vpn | awk '{ print $3 }')
	[ -n "$BED_GW_MAC" ]
}

# A phone on the internet side and, in vpn, the configuration of a WireGuard
# server for it (wg1), as linuxserver/wireguard generates one in server mode.
bed_phone_create() {
	[ ! -e "/run/netns/$BED_PHONE" ] || return 0
	ip netns add "$BED_PHONE" && ip -n "$BED_PHONE" link set lo up || return 1
	ip netns exec "$BED_PHONE" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	bed_veth "$BED_PHONE" eth0 "$BED_INET" v-phone
	bed_addr "$BED_PHONE" eth0 "$PHONE_HOST/24" && bed_addr "$BED_INET" v-phone 198.18.9.1/24 || return 1
	ip -n "$BED_PHONE" route add default via 198.18.9.1
	umask 077
	wg genkey > "$BED_DIR/vpnsrv.key" && wg pubkey < "$BED_DIR/vpnsrv.key" > "$BED_DIR/vpnsrv.pub" &&
		wg genkey > "$BED_DIR/phone.key" && wg pubkey < "$BED_DIR/phone.key" > "$BED_DIR/phone.pub" &&
		wg genpsk > "$BED_DIR/phone.psk" || return 1
	mkdir -p "$BED_DIR/vpnsrv" "$BED_DIR/phone"
	BED_SRV_CONF=$BED_DIR/vpnsrv/wg1.conf
	cat > "$BED_SRV_CONF" <<-EOF
	[Interface]
	Address = $VPN_SRV_TUN
	ListenPort = $VPN_SRV_PORT
	PrivateKey = $(cat "$BED_DIR/vpnsrv.key")
	PostUp = iptables -A FORWARD -i %i -j ACCEPT; iptables -A FORWARD -o %i -j ACCEPT; iptables -t nat -A POSTROUTING -o eth+ -j MASQUERADE
	PostDown = iptables -D FORWARD -i %i -j ACCEPT; iptables -D FORWARD -o %i -j ACCEPT; iptables -t nat -D POSTROUTING -o eth+ -j MASQUERADE

	[Peer]
	# peer_phone
	PublicKey = $(cat "$BED_DIR/phone.pub")
	PresharedKey = $(cat "$BED_DIR/phone.psk")
	AllowedIPs = $PHONE_TUN/32
	EOF
	cat > "$BED_DIR/phone/wgp.conf" <<-EOF
	[Interface]
	Address = $PHONE_TUN/32
	PrivateKey = $(cat "$BED_DIR/phone.key")
	[Peer]
	PublicKey = $(cat "$BED_DIR/vpnsrv.pub")
	PresharedKey = $(cat "$BED_DIR/phone.psk")
	AllowedIPs = $VPN_SRV_TUN/32
	Endpoint = $VPN_ETH4:$VPN_SRV_PORT
	PersistentKeepalive = 25
	EOF
	umask 022
}

# vpn's server tunnel and the phone's tunnel to it.
bed_phone_up() {
	WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go bed_wg wg-quick up "$BED_SRV_CONF" >"$BED_DIR/wg1-up.log" 2>&1 ||
		{ cat "$BED_DIR/wg1-up.log" >&2; return 1; }
	WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go bed_wg_in "$BED_PHONE" wg-quick up "$BED_DIR/phone/wgp.conf" \
		>"$BED_DIR/phone-up.log" 2>&1 || { cat "$BED_DIR/phone-up.log" >&2; return 1; }
}

bed_phone_down() {
	bed_wg_in "$BED_PHONE" wg-quick down "$BED_DIR/phone/wgp.conf" >/dev/null 2>&1
	bed_wg wg-quick down "$BED_SRV_CONF" >/dev/null 2>&1
	wait_for 10 bed_no_wireguard_go "$BED_PHONE" && wait_for 10 bed_no_wireguard_go "$BED_VPN" wg1
}

bed_tunnel_up() {
	local wait=1 conf
	[ "${1:-}" = --no-wait ] && { wait=0; shift; }
	conf=${1:-$BED_WG_CONF}
	WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go bed_wg wg-quick up "$conf" >"$BED_DIR/wg-up.log" 2>&1 ||
		{ cat "$BED_DIR/wg-up.log" >&2; return 1; }
	[ $wait = 0 ] || bed_tunnel_wait 10
}

# The tunnel is ready when the server answers through it.
bed_tunnel_wait() {
	wait_for "${1:-10}" bed_vpn ping -c1 -W1 -n "$TUN_SRV4"
}

bed_tunnel_down() {
	bed_wg wg-quick down "$BED_WG_CONF" >"$BED_DIR/wg-down.log" 2>&1 ||
		{ cat "$BED_DIR/wg-down.log" >&2; return 1; }
	wait_for 10 bed_no_wireguard_go "$BED_VPN" "$BED_TUNNEL"
}

# bed_no_wireguard_go NS [IFNAME]: no wireguard-go (for IFNAME) runs in NS.
bed_no_wireguard_go() {
	local pid
	for pid in $(ip netns pids "$1"); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = wireguard-go ] || continue
		[ -z "${2:-}" ] || tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qw -- "$2" || continue
		return 1
	done
	return 0
}

# Counters live in three namespaces; the name says which.
bed_count() {
	local ns=$BED_INET family=inet
	case $1 in
	leak) family=netdev ;;
	lan_*) ns=$BED_LAN ;;
	srv_*) ns=$BED_SERVER ;;
	esac
	nsenter --net="/run/netns/$ns" nft list counter "$family" ksbed "$1" |
		awk '/packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

bed_counts_reset() {
	bed_inet nft reset counters table inet ksbed >/dev/null &&
		bed_inet nft reset counters table netdev ksbed >/dev/null &&
		bed_lan nft reset counters table inet ksbed >/dev/null &&
		bed_srv nft reset counters table inet ksbed >/dev/null &&
		: > "$BED_DIR/leak.txt"
}

bed_leaks() { bed_count leak; }
bed_leak_log() { cat "$BED_DIR/leak.txt"; }

bed_wait_count() {
	wait_for "${3:-5}" bed_count_at_least "$1" "$2"
}
bed_count_at_least() { [ "$(bed_count "$1")" -ge "$2" ]; }

# Probes from the consumer. An optional IFACE binds the socket to it.
bed_probe_icmp() {
	local fam=-4
	[[ $1 == *:* ]] && fam=-6
	bed_consumer ping "$fam" -n -c1 -W1 ${2:+-I "$2"} "$1" >/dev/null 2>&1 || true
}

bed_probe_udp() {
	local addr=$1 kind=UDP4
	[[ $1 == *:* ]] && { addr="[$1]"; kind=UDP6; }
	echo "probe $RANDOM" | bed_consumer socat -T1 - "$kind:$addr:7${2:+,so-bindtodevice=$2}" >/dev/null 2>&1 || true
}

bed_probe_tcp() {
	local addr=$1 kind=TCP4
	[[ $1 == *:* ]] && { addr="[$1]"; kind=TCP6; }
	bed_consumer socat -T1 -u "$kind:$addr:80,connect-timeout=1${2:+,so-bindtodevice=$2}" - >/dev/null 2>&1 || true
}

# The consumer tries TCP, UDP and ICMP to a public host, IPv4 and IPv6,
# all at once; IFACE forces them out of that device (SO_BINDTODEVICE).
bed_leak_attempts() {
	local iface=${1:-} dst
	for dst in "$PUB4" "$PUB6"; do
		bed_probe_icmp "$dst" "$iface" &
		bed_probe_udp "$dst" "$iface" &
		bed_probe_tcp "$dst" "$iface" &
	done
	wait
}

# wait_for SECONDS CMD...: poll CMD until it succeeds (report.sh's
# wait_until, repeated here so that the bed also works without it).
wait_for() {
	local deadline=$(($(date +%s%N) / 1000000 + ${1%.*} * 1000))
	shift
	until "$@" >/dev/null 2>&1; do
		(($(date +%s%N) / 1000000 < deadline)) || return 1
		sleep 0.05
	done
}

# Kill what runs in our namespaces and cgroup (all started by us), by PID.
bed_kill_pids() {
	local pid pids=()
	for pid in "$@"; do [ "$pid" != "$$" ] && pids+=("$pid"); done
	[ ${#pids[@]} -gt 0 ] || return 0
	kill "${pids[@]}" 2>/dev/null
	for pid in "${pids[@]}"; do
		wait_for 3 bed_pid_gone "$pid" || kill -9 "$pid" 2>/dev/null
	done
}

# Gone, or a zombie that our shell has yet to reap.
bed_pid_gone() {
	[ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

bed_destroy() {
	[ "${BED_CREATED:-0}" = 1 ] || return 0
	local ns
	for ns in "$BED_VPN" "$BED_INET" "$BED_SERVER" "$BED_LAN" "$BED_FWD" "$BED_PHONE"; do
		[ -e "/run/netns/$ns" ] || continue
		# shellcheck disable=SC2046 # one PID a word
		bed_kill_pids $(ip netns pids "$ns" 2>/dev/null)
	done
	if [ -d "$BED_CGROUP" ]; then
		# shellcheck disable=SC2046 # one PID a word
		bed_kill_pids $(cat "$BED_CGROUP/cgroup.procs" 2>/dev/null)
		rmdir "$BED_CGROUP" 2>/dev/null || true
	fi
	for ns in "$BED_VPN" "$BED_INET" "$BED_SERVER" "$BED_LAN" "$BED_FWD" "$BED_PHONE"; do
		[ -e "/run/netns/$ns" ] && ip netns del "$ns"
	done
	mountpoint -q "$BED_PIN_DIR" 2>/dev/null && umount "$BED_PIN_DIR"
	[ -d "$BED_DIR" ] && rm -rf "$BED_DIR"
	BED_CREATED=0
	return 0
}
