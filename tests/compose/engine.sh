# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# A private Docker engine for the compose test. Debian 12's docker.io (20.10)
# rejects `cap_add: BPF`, so we take docker.io 26 and docker-compose 2 from
# Debian 13, with Debian 12's containerd, runc and tini (the newer ones need a
# newer glibc), fetched with a private apt configuration (the machine's own
# sources are never touched) and unpacked with dpkg -x under $KS_CACHE.
# The engine has no bridge and no iptables, runs in a network namespace of
# its own, and serves only the test's internal networks.
# Source it; call engine_fetch, engine_start, engine_stop.

KS_CACHE=${KS_CACHE:-/var/cache/ksctl-test}
ENGINE_RECIPE=1
ENGINE_TRIXIE="docker.io docker-cli docker-compose"
ENGINE_BOOKWORM="containerd runc tini"
ENGINE_ROOT=$KS_CACHE/engine-r$ENGINE_RECIPE
ENGINE_DIR=
ENGINE_PID=
ENGINE_MADE_RUNDIR=

# The Debian mirror apt already uses on this machine (first non-security URI);
# image.sh takes its packages from the same place.
debian_mirror() {
	local uri
	uri=$(grep -hsE '^[[:space:]]*(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources \
		/etc/apt/sources.list.d/*.list | grep -v security | grep -oE 'https?://[^ ]*/debian/?' | head -n 1)
	echo "${uri:-http://deb.debian.org/debian}"
}

# apt-get/apt-cache with lists, cache and sources of our own.
engine_apt() {
	local tool=$1 apt=$KS_CACHE/apt; shift
	"$tool" -q -o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" \
		-o Dir::Cache::archives="$apt/archives" -o APT::Sandbox::User=root "$@"
}

# engine_fetch: once per cache; a lock keeps two first runs from racing.
engine_fetch() {
	[ -x "$ENGINE_ROOT/usr/sbin/dockerd" ] && return 0
	mkdir -p "$KS_CACHE" || return 1
	(flock 9 && engine_fetch_locked) 9> "$KS_CACHE/engine.lock"
}

engine_fetch_locked() {
	[ -x "$ENGINE_ROOT/usr/sbin/dockerd" ] && return 0
	local apt=$KS_CACHE/apt keyring=/usr/share/keyrings/debian-archive-keyring.gpg debs p pkgs
	[ -s "$keyring" ] || { echo "engine: $keyring is missing: apt-get install debian-archive-keyring" >&2; return 1; }
	mkdir -p "$apt/lists/partial" "$apt/cache" "$apt/archives/partial"
	printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$(debian_mirror)" bookworm "$keyring" "$(debian_mirror)" trixie \
		> "$apt/sources.list"
	echo "engine: fetching Debian 13 $ENGINE_TRIXIE and Debian 12 $ENGINE_BOOKWORM (cached in $ENGINE_ROOT)" >&2
	engine_apt apt-get update > "$apt/update.log" 2>&1 ||
		{ tail -n 5 "$apt/update.log" >&2; return 1; }
	debs=$(mktemp -d "$KS_CACHE/debs.XXXXXX")
	pkgs=()
	for p in $ENGINE_TRIXIE; do pkgs+=("$p/trixie"); done
	for p in $ENGINE_BOOKWORM; do pkgs+=("$p/bookworm"); done
	(cd "$debs" && engine_apt apt-get download "${pkgs[@]}") > "$debs.log" 2>&1 || { tail -n 5 "$debs.log" >&2; rm -rf "$debs" "$debs.log"; return 1; }
	rm -rf "$ENGINE_ROOT.tmp" && mkdir -p "$ENGINE_ROOT.tmp"
	for p in "$debs"/*.deb; do dpkg -x "$p" "$ENGINE_ROOT.tmp" || return 1; done
	rm -rf "$debs" "$debs.log" "$ENGINE_ROOT"
	mv "$ENGINE_ROOT.tmp" "$ENGINE_ROOT"
}

# engine_start: dockerd (which starts its own containerd) with every path of
# its own in a fresh temp dir, so it cannot collide with a system engine.
# Exports DOCKER_HOST and DOCKER_CONFIG for docker and docker compose.
engine_start() {
	engine_fetch || return 1
	ENGINE_DIR=$(mktemp -d /tmp/ksctl-engine.XXXXXX)
	mkdir -p "$ENGINE_DIR/data" "$ENGINE_DIR/exec" "$ENGINE_DIR/config/cli-plugins"
	echo "${ENGINE_DAEMON_JSON:-\{\}}" > "$ENGINE_DIR/daemon.json"
	ln -s "$ENGINE_ROOT/usr/libexec/docker/cli-plugins/docker-compose" "$ENGINE_DIR/config/cli-plugins/"
	[ -d /var/run/docker ] || ENGINE_MADE_RUNDIR=1
	export PATH=$ENGINE_ROOT/usr/bin:$ENGINE_ROOT/usr/sbin:$PATH
	export DOCKER_HOST=unix://$ENGINE_DIR/docker.sock DOCKER_CONFIG=$ENGINE_DIR/config
	# In a network namespace of its own: the bridges of the test networks,
	# their gateway addresses and the ip_forward=1 that dockerd sets all stay
	# there, and die with dockerd; the root namespace is never touched.
	unshare --net -- dockerd --bridge=none --iptables=false --ip6tables=false --userland-proxy=false \
		--data-root "$ENGINE_DIR/data" --exec-root "$ENGINE_DIR/exec" --pidfile "$ENGINE_DIR/dockerd.pid" \
		--config-file "$ENGINE_DIR/daemon.json" -H "$DOCKER_HOST" > "$ENGINE_DIR/dockerd.log" 2>&1 &
	ENGINE_PID=$!
	if ! wait_until 60 docker version; then
		echo "engine: dockerd did not answer on $DOCKER_HOST; last lines of its log:" >&2
		tail -n 20 "$ENGINE_DIR/dockerd.log" >&2
		return 1
	fi
}

# PIDs of processes that belong to this engine: dockerd, its containerd and
# the shims, all of which name our temp dir on their command line.
engine_pids() {
	local p cmd
	[ -n "$ENGINE_DIR" ] || return 0
	for p in /proc/[0-9]*; do
		cmd=$(tr '\0' ' ' 2>/dev/null < "$p/cmdline") || continue
		[[ $cmd == *"$ENGINE_DIR/"* ]] && echo "${p#/proc/}"
	done
	return 0
}

# engine_stop: stop dockerd (it stops containers and its containerd), then
# anything of ours still alive, unmount what the engine left, remove the dir.
engine_stop() {
	local pids m i
	[ -n "$ENGINE_DIR" ] || return 0
	if [ -n "$ENGINE_PID" ] && kill -0 "$ENGINE_PID" 2>/dev/null; then
		kill -TERM "$ENGINE_PID" 2>/dev/null
		wait_until 30 eval '! kill -0 '"$ENGINE_PID" || kill -KILL "$ENGINE_PID" 2>/dev/null
		wait "$ENGINE_PID" 2>/dev/null || true
	fi
	for i in 1 2; do
		pids=$(engine_pids)
		[ -n "$pids" ] || break
		# shellcheck disable=SC2086
		kill -"$([ $i = 1 ] && echo TERM || echo KILL)" $pids 2>/dev/null || true
		wait_until 10 eval '[ -z "$(engine_pids)" ]' || true
	done
	while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done < <(awk -v d="$ENGINE_DIR/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
	[ -z "$(awk -v d="$ENGINE_DIR/" 'index($2, d) == 1' /proc/mounts)" ] && rm -rf "$ENGINE_DIR"
	if [ -n "$ENGINE_MADE_RUNDIR" ]; then
		rmdir /var/run/docker/plugins /var/run/docker 2>/dev/null || true
	fi
	ENGINE_DIR=
	ENGINE_PID=
}
