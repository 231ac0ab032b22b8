#!/usr/bin/env bash
# Installs what `npm run notebooks` and `npm test` need, and only what is missing:
#   Debian packages   Jupyter's command-line tools, Jupyter's kernel protocol suite and Chromium
#                     (DEB_PACKAGES, the one list)
#   node_modules      `npm ci` when missing or older than package-lock.json
#   patches           patches/*.patch applied to node_modules with patch-package (tslab's
#                     Jupyter protocol fixes, docs/tslab-patches.md); here, not in an npm
#                     lifecycle script, so projects that install the packed library never run them
#   tfjs-node-gpu     `npm install --no-save` only on a CUDA 11 GPU machine (else nothing)
#   lavapipe          Mesa >= 25's software Vulkan driver from bookworm-backports (Debian 12 only;
#                     Debian's Mesa 22 is rejected by Dawn): the webgpu backend without a GPU, for
#                     CI. Needs root; without root it is a note, or an error when
#                     GRADNOISE_REQUIRE_WEBGPU=1 (CI). A GPU machine needs its Vulkan driver only.
#   kernel            "gradnoise" (this checkout's tslab) registered for this user with that
#                     Jupyter (`npm run kernel`: ~/.local/share/jupyter/kernels/gradnoise), unless
#                     one is registered whose tslab exists; never the machine-wide `tslab` spec
#   JupyterLab        for `npm run lab` and its client test: a `jupyter lab` on PATH or in
#                     JUPYTER_PYTHON; else, on Debian 12 as root, Debian 13's jupyterlab in a
#                     chroot made once (debootstrap from this machine's Debian mirror) in
#                     GRADNOISE_LAB_ROOT (default /var/lib/gradnoise/jupyterlab-trixie; 3 min on a
#                     quiet machine, 16-17 beside training; 1.8 GB; host Python untouched); else a
#                     note (pip install jupyterlab).
#                     Built by a plain run and by `npm run lab`; by --ensure (npm test) only under
#                     GRADNOISE_REQUIRE_NOTEBOOKS=1 (CI, where a missing JupyterLab is an error)
#   bAbI              data/babi -> ../shared/datasets/babi when that exists, else downloaded
#                     and SHA-256-checked (`npm run data -- babi`)
#   PTB, WikiText-2   data/ptb, data/wikitext-2 -> the shared copies when they exist (optional;
#                     `npm run data -- ptb|wikitext2` checks or fetches them)
#
#   bash scripts/setup.sh           install what is missing, then say what is there
#   bash scripts/setup.sh --ensure  the same, silent when nothing is missing (npm's pre-scripts)
#   bash scripts/setup.sh --check   only report; exit 1 when something is missing
#   bash scripts/setup.sh --remove-lab  unmount what `npm run lab` left mounted, delete the chroot
#
# Idempotent: a second run installs nothing. Debian packages need root: without it the
# script stops before changing anything and prints the command to run. Run with sudo,
# it installs only the Debian packages and leaves node_modules to the invoking user.
set -euo pipefail

DEB_PACKAGES=(jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client python3-jupyter-kernel-test chromium fonts-liberation)

mode=install
case "${1:-}" in
  "") ;;
  --ensure) mode=ensure ;;
  --check) mode=check ;;
  --remove-lab) mode=remove-lab ;;
  -h | --help) sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "setup: unknown option '$1' (use --check, --ensure, --remove-lab or nothing)" >&2; exit 2 ;;
esac

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
SELF="$REPO/scripts/setup.sh"
say() { echo "setup: $*"; }
die() { echo "setup: $*" >&2; exit 1; }

# ---- what is there ---------------------------------------------------------------------

command -v node >/dev/null && command -v npm >/dev/null || die "Node.js 20+ and npm are needed first (Debian: apt-get install nodejs npm, or nodesource)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
((node_major >= 20)) || die "Node.js $(node --version) is too old: 20 or newer is needed"

# A python with nbconvert, nbclient and jupyter_client (the order src/cli/jupyter.ts uses).
jupyter_python=""
for py in ${JUPYTER_PYTHON:-} /usr/bin/python3 python3; do
  if command -v "$py" >/dev/null && "$py" -c 'import importlib.util as u, sys; sys.exit(not all(u.find_spec(m) for m in ("nbconvert", "nbclient", "jupyter_client")))' 2>/dev/null; then
    jupyter_python="$(command -v "$py")"
    break
  fi
done
chromium=""
for c in ${CHROMIUM_PATH:-} /usr/bin/chromium /usr/bin/chromium-browser; do
  if [[ -x "$c" ]]; then chromium="$c"; break; fi
done

# The kernel protocol suite npm test runs against the kernel (test/e2e/kernel-protocol.test.ts).
kernel_test_ok() { [[ -n "$jupyter_python" ]] && "$jupyter_python" -c 'import jupyter_kernel_test' 2>/dev/null; }

missing_debs=()
if [[ -z "$jupyter_python" || -z "$chromium" ]] || ! kernel_test_ok; then
  if command -v dpkg-query >/dev/null; then
    for p in "${DEB_PACKAGES[@]}"; do
      [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == "install ok installed" ]] || missing_debs+=("$p")
    done
  else
    missing_debs=(unknown)
  fi
fi

# node_modules is stale when missing, or when package-lock.json is newer than npm's record of
# the installed tree (node_modules/.package-lock.json) and some locked package is not
# installed at its locked version (a fresh checkout's mtime alone does not count).
lock_stale() {
  [[ -f node_modules/.package-lock.json ]] || return 0
  [[ package-lock.json -nt node_modules/.package-lock.json ]] || return 1
  ! node -e '
    const want = require("./package-lock.json").packages, have = require("./node_modules/.package-lock.json").packages;
    const off = Object.entries(want).filter(([k, v]) => k && (have[k] ? have[k].version !== v.version : !v.optional));
    process.exit(off.length ? 1 : 0);'
}
tfjs_version() { node -p 'require("./package.json").devDependencies["@tensorflow/tfjs"]'; }
# grep -c, not -q: -q exits at the first match, the writer then dies of SIGPIPE and, under
# pipefail, the test fails at random (seen with ldconfig -p in gpu-check.sh: 2 tries in 50).
cuda11_gpu() {
  command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | grep -c '^GPU' >/dev/null || return 1
  { ldconfig -p 2>/dev/null | grep -c 'libcudart\.so\.11' >/dev/null; } || compgen -G '/usr/local/cuda*/lib64/libcudart.so.11*' >/dev/null
}
gpu_package_missing() {
  cuda11_gpu && [[ ! -f node_modules/@tensorflow/tfjs-node-gpu/package.json ]]
}
# Prints the registered gradnoise kernel's tslab script (argv[1]; argv[0] is node), or nothing.
kernel_binary() {
  [[ -n "$jupyter_python" ]] || return 0
  "$jupyter_python" - <<'PY' 2>/dev/null || true
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
try:
    argv = KernelSpecManager().get_kernel_spec("gradnoise").argv
    print(argv[1] if len(argv) > 1 else argv[0])
except NoSuchKernel:
    pass
PY
}
# Any checkout's tslab runs our notebooks (they import ../dist relative to themselves), so a
# registered kernel whose binary still exists is kept; else it is registered for this checkout.
kernel_ok() { local kb; kb="$(kernel_binary)"; [[ -n "$kb" && -x "$kb" ]]; }
# patches/*.patch are applied when node_modules holds a copy of exactly these patches, the
# ones last applied (npm ci empties node_modules, copy included, so a reinstall applies them
# again). When patches/ changed, the copy is reversed first, so the new ones apply to the
# packages as installed.
APPLIED_PATCHES=node_modules/.gradnoise-patches
patches_ok() { [[ -d $APPLIED_PATCHES ]] && diff -rq patches "$APPLIED_PATCHES" >/dev/null 2>&1; }
apply_patches() {
  local pp=node_modules/patch-package/index.js
  if [[ -d $APPLIED_PATCHES ]]; then node "$pp" --reverse --patch-dir "$APPLIED_PATCHES" || return 1; fi
  node "$pp" --error-on-fail || return 1
  rm -rf "$APPLIED_PATCHES" && cp -r patches "$APPLIED_PATCHES"
}
has_babi() { compgen -G "$1/qa1_*_train.txt" >/dev/null || compgen -G "$1/en/qa1_*_train.txt" >/dev/null; }
babi_ok() {
  if [[ -n "${GRADNOISE_BABI_DIR:-}" ]]; then has_babi "$GRADNOISE_BABI_DIR"; else has_babi data/babi; fi
}
SHARED_BABI="$REPO/../shared/datasets/babi"

# Mesa's software Vulkan driver, new enough for Dawn (the `webgpu` package): Mesa >= 25 and
# the Vulkan loader. Offered on Debian 12 (bookworm-backports has it); elsewhere not our business.
LAVAPIPE_DEBS=(mesa-vulkan-drivers libvulkan1)
is_bookworm() { [[ -r /etc/os-release ]] && grep -q '^VERSION_CODENAME=bookworm' /etc/os-release; }
lavapipe_ok() {
  local v
  v="$(dpkg-query -W -f='${Status} ${Version}' mesa-vulkan-drivers 2>/dev/null)" || return 1
  [[ $v == "install ok installed "* ]] && dpkg --compare-versions "${v##* }" ge 25 &&
    [[ "$(dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null)" == "install ok installed" ]]
}
want_lavapipe() { is_bookworm && command -v dpkg-query >/dev/null && ! lavapipe_ok; }
webgpu_required() { [[ "${GRADNOISE_REQUIRE_WEBGPU:-}" == 1 ]]; }

# JupyterLab: the machine's own (a python with jupyterlab, or `jupyter-lab` on PATH: src/cli/lab.ts
# looks in the same order), else Debian 13's in a chroot (Debian 12 has no jupyterlab package, and
# trixie's Python stack on the host would pull a newer libc). `npm run lab` mounts the checkout, /proc
# and /dev into the chroot while it runs and records itself in $LAB_ROOT/.gradnoise-sessions.
LAB_ROOT="${GRADNOISE_LAB_ROOT:-/var/lib/gradnoise/jupyterlab-trixie}"
LAB_STAMP="$LAB_ROOT/.gradnoise-lab-complete" # written last: a root without it is half-built and redone
LAB_DEBS=(jupyterlab jupyter-client python3-nbclient jupyter-nbconvert nodejs)
host_lab() {
  local py
  for py in ${JUPYTER_PYTHON:-} /usr/bin/python3 python3; do
    if command -v "$py" >/dev/null && "$py" -c 'import jupyterlab' 2>/dev/null; then command -v "$py"; return; fi
  done
  command -v jupyter-lab 2>/dev/null || true
}
lab_chroot_ok() { [[ -f "$LAB_STAMP" ]]; }
notebooks_required() { [[ "${GRADNOISE_REQUIRE_NOTEBOOKS:-}" == 1 ]]; }
# Mount points at or below $LAB_ROOT, deepest first.
lab_mounts() { findmnt -rn -o TARGET 2>/dev/null | awk -v r="$LAB_ROOT" '$0 == r || index($0, r "/") == 1' | sort -r; }
# Pids of `npm run lab` sessions still alive (their records name them).
lab_live_sessions() {
  local f
  for f in "$LAB_ROOT"/.gradnoise-sessions/*; do
    [[ -e $f ]] || continue
    # Alive and still a lab session (a zombie's or a recycled pid's command line says otherwise).
    grep -qaE 'lab\.js|jupyterlab' "/proc/${f##*/}/cmdline" 2>/dev/null && echo "${f##*/}"
  done
  return 0
}
unmount_lab() {
  local m
  while read -r m; do
    [[ -n $m ]] || continue
    umount "$m" 2>/dev/null || umount -l "$m" # lazy: a process still inside keeps nothing busy for us
  done < <(lab_mounts)
  [[ -z "$(lab_mounts)" ]] || die "still mounted under $LAB_ROOT: $(lab_mounts | tr '\n' ' ')"
}

# ---- --remove-lab: unmount and delete the chroot -----------------------------------------

if [[ $mode == remove-lab ]]; then
  ((EUID == 0)) || die "removing $LAB_ROOT needs root: sudo bash $SELF --remove-lab"
  live="$(lab_live_sessions | tr '\n' ' ')"
  [[ -z $live ]] || die "npm run lab is still running (pid $live): stop it (Ctrl-C) first"
  # A session killed with SIGKILL leaves its Jupyter server running in the chroot.
  for f in "$LAB_ROOT"/.gradnoise-sessions/*; do
    [[ -e $f ]] || continue
    server="$(grep -o '"server":[0-9]*' "$f" | cut -d: -f2 || true)"
    [[ -n $server ]] && grep -qa jupyterlab "/proc/$server/cmdline" 2>/dev/null && kill "$server" && sleep 2
    rm -f "$f"
  done
  unmount_lab
  if [[ -e $LAB_ROOT ]]; then
    # --one-file-system: never follow into a mount (the checkout) should one appear meanwhile.
    rm -rf --one-file-system "$LAB_ROOT"
    say "removed $LAB_ROOT (nothing mounted under it)"
  else
    say "no JupyterLab chroot at $LAB_ROOT; nothing mounted under it"
  fi
  exit 0
fi

# ---- --check: report only --------------------------------------------------------------

if [[ $mode == check ]]; then
  status=0
  report() { if [[ $1 == ok ]]; then echo "  ok       $2"; else echo "  MISSING  $2"; status=1; fi; }
  echo "setup --check ($REPO)"
  [[ -n "$jupyter_python" ]] && report ok "Jupyter: $jupyter_python" || report no "Jupyter (nbconvert, nbclient, jupyter_client)"
  [[ -n "$chromium" ]] && report ok "Chromium: $chromium" || report no "Chromium"
  ((${#missing_debs[@]} == 0)) || echo "           Debian packages to install: ${missing_debs[*]}"
  lock_stale && report no "node_modules (npm ci)" || report ok "node_modules"
  patches_ok && report ok "patches/ applied to node_modules (patch-package)" || report no "patches/ applied to node_modules (bash scripts/setup.sh applies them)"
  kernel_test_ok && report ok "Jupyter's kernel protocol suite (python3-jupyter-kernel-test)" || report no "Jupyter's kernel protocol suite (python3-jupyter-kernel-test)"
  if cuda11_gpu; then
    gpu_package_missing && report no "@tensorflow/tfjs-node-gpu (CUDA 11 GPU found)" || report ok "@tensorflow/tfjs-node-gpu (CUDA 11 GPU)"
  else
    echo "  -        no CUDA 11 GPU: tfjs-node-gpu not wanted"
  fi
  if ! is_bookworm; then echo "  -        not Debian 12: for webgpu without a GPU, install Mesa >= 25's lavapipe yourself"
  elif lavapipe_ok; then report ok "Mesa lavapipe $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) (webgpu without a GPU)"
  elif webgpu_required; then report no "Mesa >= 25 lavapipe (bookworm-backports; GRADNOISE_REQUIRE_WEBGPU=1)"
  else echo "  -        Mesa >= 25 lavapipe not installed (optional: webgpu tests skip; sudo bash $SELF installs it)"; fi
  hl="$(host_lab)"
  if [[ -n $hl ]]; then report ok "JupyterLab: $hl"
  elif lab_chroot_ok; then report ok "JupyterLab: Debian 13 chroot $LAB_ROOT"
  elif notebooks_required; then report no "JupyterLab (GRADNOISE_REQUIRE_NOTEBOOKS=1; sudo bash $SELF builds it on Debian 12)"
  elif is_bookworm; then echo "  -        no JupyterLab (optional: npm run lab; sudo bash $SELF builds a Debian 13 chroot, 3-17 min, 1.8 GB)"
  else echo "  -        no JupyterLab (optional: npm run lab; pip install jupyterlab)"; fi
  kb="$(kernel_binary)"
  if kernel_ok; then report ok "gradnoise kernel -> $kb"
  elif [[ -n "$kb" ]]; then report no "gradnoise kernel (the registered one runs $kb, which is gone)"
  else report no "gradnoise kernel (none registered; npm run kernel)"; fi
  babi_ok && report ok "bAbI v1.2" || report no "bAbI v1.2 in data/babi"
  exit $status
fi

# ---- Debian packages (root) ------------------------------------------------------------

if ((${#missing_debs[@]})); then
  if [[ ${missing_debs[0]} == unknown ]]; then
    die "Jupyter (nbconvert, nbclient, jupyter_client) or Chromium is missing and this is not a Debian system:
  install them yourself, then set JUPYTER_PYTHON and/or CHROMIUM_PATH if they are not on the usual paths"
  fi
  if ((EUID != 0)); then
    die "Debian packages missing: ${missing_debs[*]}; installing them needs root. Run:
  sudo bash $SELF
then run your command again."
  fi
  say "apt-get install ${missing_debs[*]}"
  log="$(mktemp)"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing_debs[@]}"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "apt-get failed (full log: $log)"
  fi
  rm -f "$log"
  for py in ${JUPYTER_PYTHON:-} /usr/bin/python3; do
    if "$py" -c 'import nbconvert, nbclient, jupyter_client' 2>/dev/null; then jupyter_python="$py"; break; fi
  done
  [[ -n "$jupyter_python" ]] || die "Jupyter still not importable from /usr/bin/python3 after apt-get"
  [[ -n "$chromium" ]] || chromium=/usr/bin/chromium
  [[ -x "$chromium" ]] || die "no $chromium after apt-get"
fi

# ---- Mesa lavapipe from bookworm-backports (root) ---------------------------------------

if want_lavapipe; then
  if ((EUID != 0)); then
    if webgpu_required; then
      die "GRADNOISE_REQUIRE_WEBGPU=1 but Mesa >= 25 lavapipe is missing; installing it needs root. Run:
  sudo bash $SELF"
    fi
    [[ $mode == ensure ]] || say "note: no Mesa >= 25 lavapipe: webgpu runs only on a GPU's Vulkan driver here (sudo bash $SELF installs it)"
  else
    export DEBIAN_FRONTEND=noninteractive
    log="$(mktemp)"
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      # The machine's own Debian mirror (its bookworm entry), else deb.debian.org.
      mirror="$(grep -hs -m1 '^URIs:.*/debian/\?$' /etc/apt/sources.list.d/debian.sources | awk '{print $2}')"
      mirror="${mirror:-http://deb.debian.org/debian}"
      say "adding bookworm-backports ($mirror) to /etc/apt/sources.list.d/gradnoise-backports.sources"
      printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" \
        >/etc/apt/sources.list.d/gradnoise-backports.sources
    fi
    say "apt-get install -t bookworm-backports ${LAVAPIPE_DEBS[*]} (Mesa >= 25 lavapipe: webgpu without a GPU)"
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends -t bookworm-backports "${LAVAPIPE_DEBS[@]}"; } >"$log" 2>&1; then
      tail -n 30 "$log" >&2
      webgpu_required && die "apt-get failed (full log: $log)"
      say "lavapipe did not install (log: $log); webgpu tests will skip"
    else
      rm -f "$log"
      lavapipe_ok || die "mesa-vulkan-drivers is still older than 25 after apt-get"
    fi
  fi
fi

# ---- JupyterLab: a Debian 13 chroot where the machine has none (Debian 12, root) ----------

lab_note() { [[ $mode == ensure ]] || say "note: $*"; }
# GRADNOISE_WANT_LAB=1: `npm run lab`'s pre-script, which needs it.
if [[ -z "$(host_lab)" ]] && ! lab_chroot_ok && { [[ $mode == install ]] || notebooks_required || [[ "${GRADNOISE_WANT_LAB:-}" == 1 ]]; }; then
  if ! is_bookworm || ! command -v dpkg-query >/dev/null; then
    notebooks_required && die "GRADNOISE_REQUIRE_NOTEBOOKS=1 but there is no JupyterLab: pip install jupyterlab (or set JUPYTER_PYTHON to a python that has it)"
    lab_note "no JupyterLab for npm run lab: pip install jupyterlab (or set JUPYTER_PYTHON to a python that has it)"
  elif ((EUID != 0)); then
    notebooks_required && die "GRADNOISE_REQUIRE_NOTEBOOKS=1 but there is no JupyterLab; building its chroot needs root. Run:
  sudo bash $SELF"
    lab_note "no JupyterLab for npm run lab: sudo bash $SELF builds a Debian 13 chroot with it (3-17 min, 1.8 GB), or pip install jupyterlab"
  else
    [[ -z "$(lab_live_sessions)" ]] || die "npm run lab is running on the half-built $LAB_ROOT: stop it first"
    export DEBIAN_FRONTEND=noninteractive
    log="$(mktemp)"
    if ! command -v debootstrap >/dev/null; then
      say "apt-get install debootstrap"
      { apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap; } >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "apt-get install debootstrap failed (log: $log)"; }
    fi
    # The machine's own Debian mirror (its bookworm entry, deb822 or one-line), else deb.debian.org.
    mirror="$(grep -hs '^URIs:.*/debian/\?$' /etc/apt/sources.list.d/*.sources | awk 'NR == 1 {print $2}')"
    [[ -n $mirror ]] || mirror="$(grep -hs -m1 -E '^deb +(\[[^]]*\] +)?[a-z]+://[^ ]*/debian/? +bookworm' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | sed -E 's/^deb +(\[[^]]*\] +)?//' | awk 'NR == 1 {print $1}')"
    mirror="${mirror:-http://deb.debian.org/debian}"
    if [[ -e $LAB_ROOT ]]; then # an interrupted build: start again
      say "removing the unfinished $LAB_ROOT"
      unmount_lab
      rm -rf --one-file-system "$LAB_ROOT"
    fi
    mkdir -p "$(dirname "$LAB_ROOT")"
    t0=$SECONDS
    say "debootstrap --variant=minbase trixie $LAB_ROOT $mirror (JupyterLab's chroot, once: 3-17 min, 1.8 GB)"
    debootstrap --variant=minbase trixie "$LAB_ROOT" "$mirror" >"$log" 2>&1 || { tail -n 30 "$log" >&2; die "debootstrap failed (log: $log)"; }
    say "apt-get install ${LAB_DEBS[*]} in the chroot"
    # dpkg without fsync (most of the install's time on a busy disk): a crash mid-build leaves no
    # stamp, so the next run starts again anyway.
    echo force-unsafe-io >"$LAB_ROOT/etc/dpkg/dpkg.cfg.d/gradnoise-unsafe-io"
    # apt in the chroot wants /proc; mounted only for the install.
    mount -t proc proc "$LAB_ROOT/proc"
    if ! { chroot "$LAB_ROOT" apt-get update -qq && chroot "$LAB_ROOT" apt-get install -y -qq --no-install-recommends "${LAB_DEBS[@]}" &&
      chroot "$LAB_ROOT" apt-get clean; } >"$log" 2>&1; then
      umount "$LAB_ROOT/proc" || umount -l "$LAB_ROOT/proc"
      tail -n 30 "$log" >&2
      die "apt-get in the chroot failed (log: $log); the next run starts again"
    fi
    umount "$LAB_ROOT/proc" || umount -l "$LAB_ROOT/proc"
    chroot "$LAB_ROOT" python3 -c 'import jupyterlab' || die "jupyterlab does not import in $LAB_ROOT"
    printf '%s\n' "${LAB_DEBS[@]}" >"$LAB_STAMP"
    rm -f "$log"
    say "JupyterLab $(chroot "$LAB_ROOT" python3 -c 'import jupyterlab; print(jupyterlab.__version__)') in $LAB_ROOT ($((SECONDS - t0)) s, $(du -sh --one-file-system "$LAB_ROOT" | cut -f1)); bash $SELF --remove-lab deletes it"
  fi
fi

# `sudo bash scripts/setup.sh` stops here: node_modules and the kernel belong to the user.
if [[ $mode == install ]] && ((EUID == 0)) && [[ -n "${SUDO_USER:-}" && "${SUDO_USER}" != root ]]; then
  say "system packages present; now run 'npm test' or 'npm run notebooks' as $SUDO_USER (without sudo)"
  exit 0
fi

# ---- npm packages ----------------------------------------------------------------------

if lock_stale; then
  if [[ -d node_modules ]]; then say "npm ci (package-lock.json is newer than node_modules)"; else say "npm ci (no node_modules yet)"; fi
  npm ci --no-audit --no-fund --loglevel=error
fi
if gpu_package_missing; then
  say "npm install --no-save @tensorflow/tfjs-node-gpu@$(tfjs_version) (CUDA 11 GPU found; downloads libtensorflow)"
  npm install --no-save --no-audit --no-fund --loglevel=error "@tensorflow/tfjs-node-gpu@$(tfjs_version)" ||
    say "tfjs-node-gpu did not install; the engine falls back to WASM/cpu"
fi
if ! patches_ok; then
  [[ $mode == ensure ]] || say "applying patches/ to node_modules (patch-package)"
  log="$(mktemp)"
  apply_patches >"$log" 2>&1 || { cat "$log" >&2; die "patch-package failed: patches/ do not apply to node_modules (a fresh npm ci, then this again, starts from the packages as published)"; }
  rm -f "$log"
fi
[[ -f dist/cli/kernel.js && -f dist/cli/data.js ]] || { say "npm run build"; npm run build --silent; }

# ---- kernel ----------------------------------------------------------------------------
# npm test and npm run notebooks use build/jupyter/kernels/gradnoise (this checkout, first on
# JUPYTER_PATH) whatever is registered; this registration is for a Jupyter the user starts.

if ! kernel_ok; then
  say "registering the gradnoise kernel for this user (npm run kernel)"
  JUPYTER_PYTHON="$jupyter_python" node dist/cli/kernel.js
fi

# ---- bAbI ------------------------------------------------------------------------------

if ! babi_ok; then
  if [[ -z "${GRADNOISE_BABI_DIR:-}" && ! -e data/babi ]] && has_babi "$SHARED_BABI"; then
    say "data/babi -> ../shared/datasets/babi (symlink)"
    ln -sfn ../../shared/datasets/babi data/babi
  else
    say "bAbI not found: downloading it (npm run data -- babi)"
    node dist/cli/data.js babi ${GRADNOISE_BABI_DIR:+--dir "$GRADNOISE_BABI_DIR"} ||
      die "bAbI is missing and could not be downloaded: copy tasks_1-20_v1-2/en/ into data/babi/en/ (see data/README.md)"
  fi
fi

# ---- Corpora (Section 4.6, NOISIN): linked from the shared copies where present --------
# Optional: nothing reads them yet but their tests, which skip without them.
for d in ptb wikitext-2; do
  if [[ ! -e "data/$d" && -d "$REPO/../shared/datasets/$d" ]]; then
    say "data/$d -> ../shared/datasets/$d (symlink)"
    ln -sfn "../../shared/datasets/$d" "data/$d"
  fi
done

if [[ $mode == install ]]; then
  lab="$(host_lab)"; [[ -n $lab ]] || { lab_chroot_ok && lab="chroot $LAB_ROOT"; } || lab="none (optional)"
  say "ready: Jupyter $jupyter_python, Chromium $chromium, JupyterLab $lab, node_modules, gradnoise kernel, bAbI"
fi
