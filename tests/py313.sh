#!/usr/bin/env bash
# `make test-py313`: the tests under Python 3.13, the Lambda functions' runtime, while local
# development stays on Python 3.11 (.venv). Arguments go to pytest (default: DEFAULT_ARGS).
#
# - A python3.13 on this machine (PY313=/path/to/python3.13, or python3.13 on PATH) gets a venv in
#   build/py313-venv and runs the tests in place.
# - Otherwise (Debian 12 has none) a Debian 13 root with python3.13 is made once with debootstrap
#   in build/py313-root (about half a minute), with a venv in it; each run copies the working tree
#   into it (no bind mount of the clone: `rm -rf build` can never reach the clone through it),
#   mounts /proc, /dev/shm and the host's fonts, and runs pytest under chroot. Needs root rights.
#   The mounts are undone on exit, failure or interrupt; `tests/py313.sh --unmount` (make clean)
#   undoes any left by a killed run.
# The venvs are re-installed when a requirements file changes.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$REPO/build
ROOT=$BUILD/py313-root
ROOT_VENV=/opt/venv  # inside the root
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# What the venv is made from: re-installed when one of these changes.
INSTALLED_FROM=(requirements.txt requirements-dev.txt requirements-ocr.txt
    requirements-ocr-nodeps.txt pyproject.toml)
# Run in the tree with the venv first on PATH. The functions' packages as wheels only (as the
# worker image and `make package` take them: a pin without a cp313 wheel fails here);
# rapidocr-onnxruntime (pure Python) declares Requires-Python <3.13 but runs on 3.13, as the
# worker image installs it; claimbot itself for the `claimbot` command some tests start.
INSTALL='pip install --quiet --upgrade pip
pip install --quiet --only-binary=:all: -r requirements.txt -r requirements-ocr.txt
pip install --quiet -r requirements-dev.txt
pip install --quiet --no-deps --ignore-requires-python -r requirements-ocr-nodeps.txt
pip install --quiet --no-deps -e .'
# Unit and integration tests; the OCR tests too (the worker image runs rapidocr on 3.13), each
# function invoked from the template, and the check of every word customers were shown. Not
# tests/devstack (the whole stack, minutes) nor tests/packaging (needs git): 3.11 runs those.
DEFAULT_ARGS=(tests/unit tests/integration tests/ocr tests/deploy tests/test_customer_words.py -q)

die() { echo "py313: $*" >&2; exit 1; }

# --- mounts --------------------------------------------------------------------------------

MOUNTED=()

mount_in_root() {  # mount_in_root TARGET MOUNT-ARGS...
    local target=$1; shift
    mkdir -p "$target"
    mount "$@" "$target"
    MOUNTED+=("$target")
}

unmount() {  # until nothing is mounted there (mounts may be stacked)
    local target=$1 tries=0
    while mountpoint -q "$target" && ((tries++ < 5)); do
        umount "$target" 2>/dev/null || umount -l "$target"
    done
    ! mountpoint -q "$target" || die "cannot unmount $target"
}

unmount_all() {
    local i
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do unmount "${MOUNTED[i]}"; done
    MOUNTED=()
}

unmount_stale() {  # left by a killed run (SIGKILL skips the trap) or by debootstrap
    local target
    awk -v prefix="$BUILD/py313-" 'index($2, prefix) == 1 { print $2 }' /proc/self/mounts |
        sort -ru | while read -r target; do unmount "$target"; done
}

# --- the Debian 13 root --------------------------------------------------------------------

make_root() {
    [[ $(id -u) == 0 ]] || die "no python3.13 here, and a Debian 13 root needs root rights" \
        "(debootstrap, mount, chroot): run as root, or set PY313=/path/to/python3.13"
    if ! command -v debootstrap >/dev/null; then
        command -v apt-get >/dev/null || die "install debootstrap, or set PY313=/path/to/python3.13"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
    fi
    echo "py313: making a Debian 13 root with python3.13 in ${ROOT#"$REPO"/} (once)"
    rm -rf "$ROOT.partial"
    if ! debootstrap --variant=minbase --include=python3.13,python3.13-venv \
        trixie "$ROOT.partial" "$MIRROR" >"$BUILD/py313-debootstrap.log" 2>&1; then
        tail -n 20 "$BUILD/py313-debootstrap.log" >&2
        die "debootstrap failed (log: build/py313-debootstrap.log)"
    fi
    unmount_stale
    mv "$ROOT.partial" "$ROOT"
}

in_root() {  # a clean environment: nothing of the host's leaks into the tests
    local -a keep=()
    local name
    for name in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY \
        PIP_INDEX_URL PIP_DEFAULT_TIMEOUT PYTHONWARNINGS; do
        [[ -n ${!name:-} ]] && keep+=("$name=${!name}")
    done
    chroot "$ROOT" /usr/bin/env -i PATH="$ROOT_VENV/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        HOME=/root LANG=C.UTF-8 PYTHONPYCACHEPREFIX=/var/cache/pycache \
        PIP_DISABLE_PIP_VERSION_CHECK=1 "${keep[@]}" "$@"
}

copy_tree_into_root() {
    rm -rf "$ROOT/src"
    mkdir -p "$ROOT/src"
    tar -C "$REPO" -cf - \
        --exclude=./.git --exclude=./.venv --exclude=./build --exclude=./.devstack \
        --exclude=./test-artifacts --exclude=./infra/out --exclude=./events/env.json \
        --exclude=./console-ui/node_modules \
        --exclude=./.chalice/deployments --exclude=./.chalice/venv --exclude=./.chalice/deployed \
        --exclude=__pycache__ --exclude=.pytest_cache --exclude=.ruff_cache \
        --exclude=.mypy_cache --exclude=.hypothesis --exclude='*.egg-info' . |
        tar -C "$ROOT/src" -xf -
}

trust_hosts_certificates() {  # e.g. an egress proxy's CA, so pip in the root reaches PyPI
    local crt copied=0
    for crt in /usr/local/share/ca-certificates/*.crt; do
        [[ -f $crt ]] || continue
        cp "$crt" "$ROOT/usr/local/share/ca-certificates/"
        copied=1
    done
    if [[ $copied == 1 ]]; then
        in_root update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed"
    fi
}

requirements_digest() {
    (cd "$REPO" && cat "${INSTALLED_FROM[@]}") | sha256sum | cut -d' ' -f1
}

install_root_venv() {
    local stamp=$ROOT$ROOT_VENV/.requirements.sha256 digest
    digest=$(requirements_digest)
    [[ -f $stamp && $(cat "$stamp") == "$digest" ]] && return 0
    echo "py313: installing the requirements for python3.13 (${ROOT#"$REPO"/}$ROOT_VENV)"
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    trust_hosts_certificates
    rm -rf "$ROOT$ROOT_VENV"
    in_root python3.13 -m venv "$ROOT_VENV"
    in_root sh -ec "cd /src; $INSTALL"
    echo "$digest" >"$stamp"
}

run_in_root() {
    [[ -x $ROOT/usr/bin/python3.13 ]] || make_root
    trap unmount_all EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    copy_tree_into_root
    mount_in_root "$ROOT/proc" -t proc proc
    mount_in_root "$ROOT/dev/shm" -t tmpfs -o mode=1777,size=256m tmpfs
    if [[ -d /usr/share/fonts ]]; then  # the CJK font the synthetic licence photos are drawn with
        mount_in_root "$ROOT/usr/share/fonts" --bind -o ro /usr/share/fonts
    fi
    install_root_venv
    in_root sh -c 'cd /src && python --version && exec python -m pytest "$@"' pytest "$@"
}

# --- a python3.13 on this machine ----------------------------------------------------------

host_python() {
    local candidate=${PY313:-python3.13}
    if "$candidate" -c 'import sys, venv; sys.exit(sys.version_info[:2] != (3, 13))' \
        2>/dev/null; then
        command -v "$candidate"
    elif [[ -n ${PY313:-} ]]; then
        die "PY313=$PY313 is not a Python 3.13 with venv"
    fi
    return 0
}

run_on_host() {
    local python=$1 venv=$BUILD/py313-venv digest
    shift
    digest=$(requirements_digest)
    if [[ ! -f $venv/.requirements.sha256 || $(cat "$venv/.requirements.sha256") != "$digest" ]]
    then
        echo "py313: installing the requirements for $python (${venv#"$REPO"/})"
        rm -rf "$venv"
        "$python" -m venv "$venv"
        (cd "$REPO" && PATH=$venv/bin:$PATH sh -ec "$INSTALL")
        echo "$digest" >"$venv/.requirements.sha256"
    fi
    cd "$REPO"
    "$venv/bin/python" --version
    "$venv/bin/python" -m pytest "$@"
}

# --------------------------------------------------------------------------------------------

main() {
    mkdir -p "$BUILD"
    exec 9>"$BUILD/py313.lock"
    flock 9  # one run per clone at a time: they share the root
    unmount_stale
    if [[ ${1:-} == --unmount ]]; then return 0; fi
    (($#)) || set -- "${DEFAULT_ARGS[@]}"
    local python
    python=$(host_python)
    if [[ -n $python ]]; then
        run_on_host "$python" "$@"
    else
        run_in_root "$@"
    fi
}

main "$@"
