#!/usr/bin/env bash
# images/build.sh [OUTDIR] -- build the OCI image archives used by the tests and the demo.
#
# Produces, in OUTDIR (default: images/out next to this script):
#   busybox-latest.oci.tar      docker.io/library/busybox:latest      cmd: sh
#   busybox-1.24.oci.tar        docker.io/library/busybox:1.24        cmd: sh
#   busyboxplus-latest.oci.tar  docker.io/library/busyboxplus:latest  cmd: sh
#   myapp-v1.oci.tar            docker.io/library/myapp:v1            cmd: nginx -g 'daemon off;'
#   myapp-v2.oci.tar            docker.io/library/myapp:v2            cmd: nginx -g 'daemon off;'
# Each is an OCI archive with one gzip layer, linux/amd64.
#
# Runs as root on Debian 12 (bookworm). Installs umoci and skopeo (and nginx's shared-library
# packages) with apt-get when missing; busybox-static and nginx are only downloaded
# (`apt-get download` + `dpkg -x` into a temporary directory), so no busybox package is
# replaced and no nginx service is installed or started on the host. The only network used is
# the configured Debian package mirrors.
#
# An archive that exists and is newer than this script is not rebuilt. File times and image
# timestamps come from SOURCE_DATE_EPOCH (default 2024-01-01T00:00:00Z), so with the same
# Debian package versions a rebuild gives the same image digests.
set -euo pipefail

umask 022
export LC_ALL=C DEBIAN_FRONTEND=noninteractive

SELF=$(readlink -f "${BASH_SOURCE[0]}")
HERE=$(dirname "$SELF")
OUT=${1:-$HERE/out}

EPOCH=${SOURCE_DATE_EPOCH:-1704067200}
CREATED=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)
AUTHOR="peapod images/build.sh"
ENV_PATH="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# file name|image name|tag|kind
IMAGES=(
    "busybox-latest.oci.tar|busybox|latest|busybox"
    "busybox-1.24.oci.tar|busybox|1.24|busybox"
    "busyboxplus-latest.oci.tar|busyboxplus|latest|busyboxplus"
    "myapp-v1.oci.tar|myapp|v1|myapp"
    "myapp-v2.oci.tar|myapp|v2|myapp"
)

log() { printf '[images] %s\n' "$*" >&2; }
die() { printf '[images] error: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (needs apt-get, and umoci/chown for root-owned image files)"
[[ $(dpkg --print-architecture 2>/dev/null) == amd64 ]] || die "only amd64 hosts are supported"

mkdir -p "$OUT"
OUT=$(readlink -f "$OUT")

WORK=""
PARTIAL=""
cleanup() {
    [[ -n $PARTIAL ]] && rm -f -- "$PARTIAL"
    [[ -n $WORK && -d $WORK ]] && rm -rf -- "$WORK"
    return 0
}
trap cleanup EXIT

# ---------------------------------------------------------------- apt helpers
APT_UPDATED=0
apt_update_once() {
    if [[ $APT_UPDATED -eq 0 ]]; then
        log "apt-get update"
        apt-get update -qq >&2
        APT_UPDATED=1
    fi
}

pkg_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true) == installed ]]
}

# has_candidate PKG : apt knows a version of PKG it could install (false with empty lists)
has_candidate() {
    apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [^(]'
}

# apt_install PKG... : install the packages that are not installed yet.
apt_install() {
    local missing=() p
    for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    for p in "${missing[@]}"; do has_candidate "$p" || apt_update_once; done
    log "apt-get install ${missing[*]}"
    if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
        [[ $APT_UPDATED -eq 0 ]] || die "apt-get install ${missing[*]} failed"
        apt_update_once
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
            || die "apt-get install ${missing[*]} failed"
    fi
}

# apt_download DIR PKG... : download the .deb files of PKG... into DIR (nothing is installed).
apt_download() {
    local dir=$1 p; shift
    mkdir -p "$dir"
    # let apt's unprivileged _apt user write there (avoids the "unsandboxed" warning)
    if id _apt >/dev/null 2>&1; then chown _apt "$dir"; fi
    for p in "$@"; do has_candidate "$p" || apt_update_once; done
    log "apt-get download $*"
    if ! (cd "$dir" && apt-get download -qq "$@" >&2); then
        [[ $APT_UPDATED -eq 0 ]] || die "apt-get download $* failed"
        apt_update_once
        (cd "$dir" && apt-get download -qq "$@" >&2) || die "apt-get download $* failed"
    fi
}

# deb_of DIR PKG : the downloaded .deb file of PKG in DIR
deb_of() {
    local f
    for f in "$1/$2"_*.deb; do
        [[ -f $f ]] && { printf '%s\n' "$f"; return 0; }
    done
    die "no $2 .deb in $1"
}

# ---------------------------------------------------------------- what to build
is_fresh() { [[ -s $1 && $1 -nt $SELF ]]; }

TODO=()
NEED_MYAPP=0
for spec in "${IMAGES[@]}"; do
    IFS='|' read -r file name tag kind <<<"$spec"
    if is_fresh "$OUT/$file"; then
        log "$file is up to date"
    else
        TODO+=("$spec")
        [[ $kind == myapp ]] && NEED_MYAPP=1
    fi
done

command -v skopeo >/dev/null 2>&1 || apt_install skopeo

# ---------------------------------------------------------------- rootfs builders
write_passwd_group() {
    local r=$1
    cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
nginx:x:101:101:nginx:/var/cache/nginx:/bin/false
EOF
    cat >"$r/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
nginx:x:101:
EOF
    chmod 0644 "$r/etc/passwd" "$r/etc/group"
}

# build_busybox_rootfs DIR BUSYBOX : static busybox, every applet linked, passwd/group
build_busybox_rootfs() {
    local r=$1 bb=$2 applet n=0
    mkdir -p "$r"
    chmod 0755 "$r"
    install -d -m 0755 "$r"/{bin,dev,etc,home,proc,root,sbin,sys,usr/bin,usr/sbin,var/log,var/run}
    install -d -m 1777 "$r/tmp"
    install -m 0755 "$bb" "$r/bin/busybox"
    while read -r applet; do
        [[ -n $applet && $applet != bin/busybox ]] || continue
        mkdir -p "$r/$(dirname "$applet")"
        ln -sfn /bin/busybox "$r/$applet"
        n=$((n + 1))
    done < <("$r/bin/busybox" --list-full)
    [[ $n -gt 100 ]] || die "busybox --list-full gave only $n applets"
    write_passwd_group "$r"
}

# add_curl DIR : /usr/bin/curl, GETs each URL argument with busybox wget
add_curl() {
    local r=$1
    cat >"$r/usr/bin/curl" <<'EOF'
#!/bin/sh
# minimal curl: GET each URL and print the body
for u in "$@"; do case "$u" in -*) ;; *) wget -q -O - "$u" ;; esac; done
EOF
    chmod 0755 "$r/usr/bin/curl"
}

# add_nginx DIR NGINX_ROOT MIME_TYPES : nginx binary, the libraries ldd lists, config
add_nginx() {
    local r=$1 nroot=$2 mime=$3 bin lib n=0
    bin=$nroot/usr/sbin/nginx
    install -d -m 0755 "$r"/{run,var/cache/nginx,var/lib/nginx,var/lock,var/log/nginx} \
        "$r"/{usr/share/nginx/html,etc/nginx/conf.d}
    install -m 0755 "$bin" "$r/usr/sbin/nginx"

    if ldd "$bin" | grep -q 'not found'; then
        ldd "$bin" >&2 || true
        die "ldd $bin: some libraries are not found"
    fi
    # lines look like "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)" or
    # "/lib64/ld-linux-x86-64.so.2 (0x...)"; linux-vdso has no path.
    while read -r lib; do
        mkdir -p "$r$(dirname "$lib")"
        cp -L --preserve=mode "$lib" "$r$lib"
        n=$((n + 1))
    done < <(ldd "$bin" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) { print $i; break } }' | sort -u)
    [[ $n -ge 2 ]] || die "ldd $bin listed only $n libraries"

    install -m 0644 "$mime" "$r/etc/nginx/mime.types"
    cat >"$r/etc/nginx/nginx.conf" <<'EOF'
user nginx;
worker_processes 1;
pid /run/nginx.pid;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /var/log/nginx/access.log;
    sendfile on;
    keepalive_timeout 65;
    include /etc/nginx/conf.d/*.conf;
}
EOF
    cat >"$r/etc/nginx/conf.d/default.conf" <<'EOF'
server {
    listen       80;
    server_name  localhost;
    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }
    location = /hostname.html {
        alias /etc/hostname;
    }
}
EOF
    chmod 0644 "$r/etc/nginx/nginx.conf" "$r/etc/nginx/conf.d/default.conf"
}

# set_version DIR VERSION : the page served at /
set_version() {
    printf 'Hello MyApp | Version: %s | <a href="hostname.html">Pod Name</a>\n' "$2" \
        >"$1/usr/share/nginx/html/index.html"
    chmod 0644 "$1/usr/share/nginx/html/index.html"
}

# pack ROOTFS NAME TAG OUTFILE CMD... : one-layer OCI archive named docker.io/library/NAME:TAG
pack() {
    local rootfs=$1 name=$2 tag=$3 outfile=$4; shift 4
    local id="$name-$tag" layout bundle c cfg
    layout=$WORK/layout-$id
    bundle=$WORK/bundle-$id
    rm -rf "$layout" "$bundle"

    umoci init --layout "$layout"
    umoci new --image "$layout:$tag"
    umoci unpack --image "$layout:$tag" "$bundle" >/dev/null
    cp -a "$rootfs/." "$bundle/rootfs/"
    chown -R 0:0 "$bundle/rootfs"
    chmod 0755 "$bundle/rootfs"
    find "$bundle/rootfs" -exec touch -h -d "@$EPOCH" {} +

    umoci repack --image "$layout:$tag" \
        --history.created "$CREATED" --history.created_by "umoci repack" "$bundle"
    cfg=(--image "$layout:$tag" --architecture amd64 --os linux
        --author "$AUTHOR" --created "$CREATED"
        --history.author "$AUTHOR" --history.created "$CREATED" --history.created_by "umoci config"
        --config.env "$ENV_PATH")
    for c in "$@"; do cfg+=(--config.cmd "$c"); done
    umoci config "${cfg[@]}"
    umoci gc --layout "$layout"

    PARTIAL="$OUT/.$(basename "$outfile").partial"
    rm -f "$PARTIAL"
    skopeo --insecure-policy copy -q "oci:$layout:$tag" \
        "oci-archive:$PARTIAL:docker.io/library/$name:$tag" >&2
    mv -f "$PARTIAL" "$outfile"
    PARTIAL=""
    rm -rf "$layout" "$bundle"
    log "built $(basename "$outfile")"
}

# ---------------------------------------------------------------- build
if [[ ${#TODO[@]} -gt 0 ]]; then
    apt_install umoci skopeo
    WORK=$(mktemp -d /tmp/peapod-images.XXXXXX)
    chmod 0755 "$WORK"

    # busybox: from Debian's busybox-static (downloaded, not installed: it conflicts with
    # the dynamic `busybox` package that many hosts have).
    apt_download "$WORK/debs" busybox-static
    dpkg -x "$(deb_of "$WORK/debs" busybox-static)" "$WORK/busybox-static"
    BUSYBOX=$WORK/busybox-static/bin/busybox
    [[ -x $BUSYBOX ]] || die "busybox-static has no /bin/busybox"
    "$BUSYBOX" true || die "$BUSYBOX does not run"

    build_busybox_rootfs "$WORK/rootfs-busybox" "$BUSYBOX"

    if [[ $NEED_MYAPP -eq 1 ]]; then
        # nginx: the binary from Debian's `nginx` package, mime.types from `nginx-common`;
        # both only unpacked into $WORK. The shared libraries come from the host, so
        # install the library packages nginx depends on (libc6, libssl3, zlib1g, ...).
        apt_download "$WORK/debs" nginx nginx-common
        NGINX_DEB=$(deb_of "$WORK/debs" nginx)
        dpkg -x "$NGINX_DEB" "$WORK/nginx"
        dpkg -x "$(deb_of "$WORK/debs" nginx-common)" "$WORK/nginx-common"
        [[ -x $WORK/nginx/usr/sbin/nginx ]] || die "the nginx package has no /usr/sbin/nginx"
        mapfile -t LIBPKGS < <(dpkg-deb -f "$NGINX_DEB" Depends | tr ',' '\n' \
            | sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/[[:space:]]//g' \
            | grep -E '^(lib|zlib)' || true)
        if [[ ${#LIBPKGS[@]} -gt 0 ]]; then apt_install "${LIBPKGS[@]}"; fi

        rm -rf "$WORK/rootfs-myapp"
        cp -a "$WORK/rootfs-busybox" "$WORK/rootfs-myapp"
        add_nginx "$WORK/rootfs-myapp" "$WORK/nginx" "$WORK/nginx-common/etc/nginx/mime.types"
    fi

    for spec in "${TODO[@]}"; do
        IFS='|' read -r file name tag kind <<<"$spec"
        case $kind in
        busybox)
            pack "$WORK/rootfs-busybox" "$name" "$tag" "$OUT/$file" sh
            ;;
        busyboxplus)
            rm -rf "$WORK/rootfs-busyboxplus"
            cp -a "$WORK/rootfs-busybox" "$WORK/rootfs-busyboxplus"
            add_curl "$WORK/rootfs-busyboxplus"
            pack "$WORK/rootfs-busyboxplus" "$name" "$tag" "$OUT/$file" sh
            ;;
        myapp)
            set_version "$WORK/rootfs-myapp" "$tag"
            pack "$WORK/rootfs-myapp" "$name" "$tag" "$OUT/$file" nginx -g 'daemon off;'
            ;;
        *) die "unknown kind $kind" ;;
        esac
    done
fi

# ---------------------------------------------------------------- verify + summary
fail=0
for spec in "${IMAGES[@]}"; do
    IFS='|' read -r file name tag kind <<<"$spec"
    f=$OUT/$file
    want="docker.io/library/$name:$tag"
    if ! info=$(skopeo --insecure-policy inspect --format '{{.Digest}} {{.Architecture}} {{len .Layers}}' \
        "oci-archive:$f" 2>&1); then
        log "$file: skopeo inspect failed: $info"
        fail=1
        continue
    fi
    read -r digest arch nlayers <<<"$info"
    cmd=$(skopeo --insecure-policy inspect --config --raw "oci-archive:$f" \
        | grep -o '"Cmd":\[[^]]*\]' | sed 's/^"Cmd"://')
    ref=$(tar -xOf "$f" index.json | grep -o '"org.opencontainers.image.ref.name":"[^"]*"' \
        | sed 's/.*:"//; s/"$//')
    size=$(du -h "$f" | cut -f1)
    printf '%-27s %-38s %s layers=%s %s %6s cmd=%s\n' \
        "$file" "$ref" "$arch" "$nlayers" "${digest:0:19}" "$size" "$cmd"
    if [[ $arch != amd64 || $nlayers != 1 || $ref != "$want" ]]; then
        log "$file: expected $want, amd64, 1 layer"
        fail=1
    fi
done
[[ $fail -eq 0 ]] || die "verification failed"
