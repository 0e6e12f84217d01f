# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Builds the test image without a registry or a Dockerfile: a Debian 12
# minbase rootfs made by debootstrap, plus what a WireGuard container needs,
# cached as a tarball under $KS_CACHE so later runs only `docker import` it.
# Source it; call image_rootfs (no engine needed) and image_import NAME.

KS_CACHE=${KS_CACHE:-/var/cache/ksctl-test}
# Bump when the recipe changes: it names the cached tarball.
IMAGE_RECIPE=4
# wg-quick needs nft (or iptables-restore) for its anti-spoofing rules when
# AllowedIPs has a default route, and tears the tunnel down without it.
IMAGE_PACKAGES=wireguard-tools,wireguard-go,iproute2,procps,iputils-ping,socat,nftables
IMAGE_TARBALL=$KS_CACHE/rootfs-bookworm-r$IMAGE_RECIPE.tar

# wg-quick writes net.ipv4.conf.all.src_valid_mark=1 for a default route;
# /proc/sys is read-only in a container, so the write fails and wg-quick
# tears wg0 down even though compose already set the value. Skip the write
# when the value is already 1 (as linuxserver's image does).
image_patch_wg_quick() {
	local f=$1/usr/bin/wg-quick
	grep -q 'cmd sysctl -q net.ipv4.conf.all.src_valid_mark=1' "$f" ||
		{ echo "image: $f has no src_valid_mark write to patch; update image_patch_wg_quick" >&2; return 1; }
	sed -i 's/&& cmd sysctl -q net.ipv4.conf.all.src_valid_mark=1/\&\& [[ $(sysctl -n net.ipv4.conf.all.src_valid_mark) != 1 ]] \&\& cmd sysctl -q net.ipv4.conf.all.src_valid_mark=1/' "$f"
	grep -q 'src_valid_mark) != 1' "$f"
}

# Unmount whatever debootstrap left mounted under its target (on failure).
image_umount_under() {
	local dir=$1 m
	while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(awk -v d="$dir" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
}

# image_rootfs: once per cache; a lock keeps two first runs from racing.
image_rootfs() {
	[ -s "$IMAGE_TARBALL" ] && return 0
	mkdir -p "$KS_CACHE" || return 1
	(flock 9 && image_rootfs_locked) 9> "$KS_CACHE/rootfs.lock"
}

image_rootfs_locked() {
	[ -s "$IMAGE_TARBALL" ] && return 0
	command -v debootstrap >/dev/null ||
		{ echo "image: debootstrap is missing: apt-get install debootstrap" >&2; return 1; }
	mkdir -p "$KS_CACHE"
	local dir rc=0
	dir=$(mktemp -d "$KS_CACHE/rootfs.XXXXXX")
	echo "image: debootstrap bookworm from $(debian_mirror) (cached afterwards in $IMAGE_TARBALL)" >&2
	if debootstrap --variant=minbase --include="$IMAGE_PACKAGES" bookworm "$dir" "$(debian_mirror)" \
		> "$dir.log" 2>&1 && image_patch_wg_quick "$dir"; then
		rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/tmp/*
		tar --numeric-owner -C "$dir" -cf "$IMAGE_TARBALL.tmp" . && mv "$IMAGE_TARBALL.tmp" "$IMAGE_TARBALL" || rc=1
	else
		echo "image: debootstrap failed; last lines of $dir.log:" >&2
		tail -n 20 "$dir.log" >&2
		rc=1
	fi
	image_umount_under "$dir"
	rm -rf "$dir" "$dir.log" "$IMAGE_TARBALL.tmp"
	return $rc
}

# image_import NAME: load the cached rootfs into the running engine.
image_import() {
	image_rootfs || return 1
	docker import "$IMAGE_TARBALL" "$1" >/dev/null
}
