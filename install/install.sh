#!/bin/sh
# Cost Optimizer agent installer. `cost-optimizer token create <instance-id>` prints the whole command, e.g.
#   curl -fsSk --proto =https --pinnedpubkey sha256//<pin> https://<controller>/install.sh | AGENT_TOKEN=<token> sh -s -- --pin sha256//<pin>
#
# Decisions (install/README.md and docs/tls.md have the long form):
# - Trust: the controller serves this script with its public URL filled in (CONTROLLER_URL_DEFAULT), then
#   /agent.js and /agent.js.sha256. With --pin (the controller's public-key pin, curl's --pinnedpubkey format) every
#   download is made by curl over https accepting exactly that key, so the hashes fetched beside the files are the
#   controller's own and catch tampering, not just corruption; the pin goes into the env file as CONTROLLER_PIN and
#   the agent checks it on every connection. Without a pin, https is verified against the system CAs (a CA-signed
#   certificate or a TLS proxy). Plain http:// is refused unless the controller is on loopback or --insecure is given.
# - No Node >= 18 on the host: the controller serves its own Node binary (/runtime/node.gz or /runtime/node,
#   sha256 at /runtime/node.sha256, platform at /runtime/info). It is used only when this host's
#   os/arch/libc match, is checked like agent.js, goes to <prefix>/opt/cost-optimizer/node and runs only the
#   agent. Otherwise a clear error (install Node >= 18, or --node PATH).
# - Secrets: the token is written only to <prefix>/etc/cost-optimizer/agent.env (0600). A launcher
#   (<prefix>/opt/cost-optimizer/run-agent) sources it and execs node, so the token is never in a unit file
#   nor on the command line of a long-running process. --token is on this script's own (short-lived)
#   command line; pass AGENT_TOKEN in the environment to avoid even that.
# - Init: systemd (/run/systemd/system) -> a unit; OpenRC (openrc-run/rc-service and /run/openrc) -> an
#   /etc/init.d script under supervise-daemon; none (Docker-based instances such as Vast.ai) -> a
#   supervisor loop started in the background, immune to hang-ups (pid file under <prefix>/var/run), re-started at container start by
#   a line in /root/onstart.sh (Vast.ai runs it at start: an unverified guess) and/or /etc/rc.local, where
#   those files exist. --init overrides the detection.
# - --prefix DIR installs into another root (tests). Generated files then point inside DIR, and systemctl,
#   rc-service and rc-update are not called unless SYSTEMCTL, RC_SERVICE or RC_UPDATE name the command to
#   use. --no-start writes the files and starts nothing.
# - Idempotent: a file is rewritten only when its content or mode differs; the agent is restarted only when
#   something it runs with changed. --uninstall stops the agent and removes every file this script wrote.
set -eu
umask 077

# Filled in by the controller's GET /install.sh; left as is when the script is run from a checkout.
CONTROLLER_URL_DEFAULT='@@CONTROLLER_URL@@'
SERVICE=cost-optimizer-agent
HOOK_MARKER="# $SERVICE: added by install.sh, removed by install.sh --uninstall"
MIN_NODE_MAJOR=18
AGENT_USER_DEFAULT=cost-optimizer
# V8 options the agent runs with: its work is a few short lines a second, so V8's optimizing tiers and a large young
# generation buy nothing and cost resident memory (about 1.5 MB of the 45 MB target in docs/architecture.md; measured by bench/agent.ts,
# which reads this line). --no-expose-wasm: lite mode turns WebAssembly off anyway and warns on stderr unless told.
AGENT_NODE_FLAGS='--lite-mode --no-expose-wasm --max-semi-space-size=1'

say() { printf 'cost-optimizer install: %s\n' "$*"; }
warn() { printf 'cost-optimizer install: warning: %s\n' "$*" >&2; }
die() {
  printf 'cost-optimizer install: error: %s\n' "$*" >&2
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

usage() {
  cat <<'EOF'
Installs the Cost Optimizer agent, which reports this host's GPU use to the controller.

  curl -fsSL http://<controller>/install.sh | sh -s -- --token <token>
  curl -fsSL http://<controller>/install.sh | AGENT_TOKEN=<token> sh
  curl -fsSL http://<controller>/install.sh | JOIN_TOKEN=<fleet join token> sh   (start-up scripts)

Options:
  --token TOKEN          agent token from `cost-optimizer token create <instance-id>` (or AGENT_TOKEN);
                         on a re-run the installed token is kept when none is given
  --join-token TOKEN     fleet join token from `cost-optimizer token create --join` (or JOIN_TOKEN), instead
                         of --token: the agent enrols itself and keeps its own token (docs/enrolment.md)
  --controller URL       controller base URL (or CONTROLLER_URL; default: the URL that served this script)
  --pin sha256//BASE64   the controller's public-key pin (or CONTROLLER_PIN): downloads and the agent accept
                         exactly that key; needs curl and an https URL
  --insecure             allow plain http:// to a non-loopback controller (token and downloads in clear)
  --checkpoint-cmd CMD   command the agent runs before a pause (or CHECKPOINT_CMD; '' removes it)
  --sha256 HEX           expected sha256 of agent.js, obtained from a channel you trust
  --node PATH            Node >= 18 binary to run the agent with (default: `node` on PATH, else the
                         controller's runtime)
  --init KIND            systemd, openrc, none or auto (default auto)
  --prefix DIR           install under DIR instead of / (tests); service managers are left alone
  --user NAME            run the agent as NAME (default: cost-optimizer, created as a system user;
                         with --prefix: the installing user)
  --root                 run the agent as root: needed when CHECKPOINT_CMD must act on other users'
                         processes and files, or to see other users' terminals and notebooks
  --no-start             write the files, start nothing
  --uninstall            stop the agent and remove everything this script installed
  -h, --help             this text
EOF
}

# ---------------------------------------------------------------- arguments

need_value() {
  [ "$1" -ge 2 ] || die "$2 needs a value (see --help)"
}

parse_args() {
  OPT_TOKEN=${AGENT_TOKEN:-}
  OPT_JOIN=${JOIN_TOKEN:-}
  OPT_URL=${CONTROLLER_URL:-}
  OPT_CHECKPOINT=${CHECKPOINT_CMD:-}
  OPT_CHECKPOINT_SET=0
  [ -z "${CHECKPOINT_CMD+x}" ] || OPT_CHECKPOINT_SET=1
  OPT_SHA=''
  OPT_PIN=${CONTROLLER_PIN:-}
  OPT_INSECURE=0
  OPT_NODE=''
  OPT_INIT=auto
  OPT_PREFIX=/
  OPT_NO_START=0
  OPT_USER=''
  OPT_ROOT=0
  OPT_UNINSTALL=0
  while [ $# -gt 0 ]; do
    case $1 in
      --token) need_value $# "$1"; OPT_TOKEN=$2; shift 2 ;;
      --token=*) OPT_TOKEN=${1#*=}; shift ;;
      --join-token) need_value $# "$1"; OPT_JOIN=$2; shift 2 ;;
      --join-token=*) OPT_JOIN=${1#*=}; shift ;;
      --controller) need_value $# "$1"; OPT_URL=$2; shift 2 ;;
      --controller=*) OPT_URL=${1#*=}; shift ;;
      --checkpoint-cmd) need_value $# "$1"; OPT_CHECKPOINT=$2; OPT_CHECKPOINT_SET=1; shift 2 ;;
      --checkpoint-cmd=*) OPT_CHECKPOINT=${1#*=}; OPT_CHECKPOINT_SET=1; shift ;;
      --pin) need_value $# "$1"; OPT_PIN=$2; shift 2 ;;
      --pin=*) OPT_PIN=${1#*=}; shift ;;
      --insecure) OPT_INSECURE=1; shift ;;
      --sha256) need_value $# "$1"; OPT_SHA=$2; shift 2 ;;
      --sha256=*) OPT_SHA=${1#*=}; shift ;;
      --node) need_value $# "$1"; OPT_NODE=$2; shift 2 ;;
      --node=*) OPT_NODE=${1#*=}; shift ;;
      --init) need_value $# "$1"; OPT_INIT=$2; shift 2 ;;
      --init=*) OPT_INIT=${1#*=}; shift ;;
      --prefix) need_value $# "$1"; OPT_PREFIX=$2; shift 2 ;;
      --prefix=*) OPT_PREFIX=${1#*=}; shift ;;
      --no-start) OPT_NO_START=1; shift ;;
      --user) need_value $# "$1"; OPT_USER=$2; shift 2 ;;
      --user=*) OPT_USER=${1#*=}; shift ;;
      --root) OPT_ROOT=1; shift ;;
      --uninstall) OPT_UNINSTALL=1; shift ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown option '$1' (see --help)" ;;
    esac
  done
  case $OPT_INIT in
    auto | systemd | openrc | none) ;;
    *) die "--init must be systemd, openrc, none or auto, not '$OPT_INIT'" ;;
  esac
  if [ -n "$OPT_SHA" ]; then
    OPT_SHA=$(printf '%s' "$OPT_SHA" | tr 'A-F' 'a-f')
    is_sha256 "$OPT_SHA" || die "--sha256 must be 64 hex digits (the sha256 of agent.js)"
  fi
  [ "$OPT_ROOT" = 0 ] || [ -z "$OPT_USER" ] || die "--root and --user exclude each other"
  case $OPT_USER in
    '' | [a-z_]*) ;;
    *) die "--user must be a user name (lower-case letters, digits, _ and -), not '$OPT_USER'" ;;
  esac
  case $OPT_USER in
    *[!a-z0-9_-]*) die "--user must be a user name (lower-case letters, digits, _ and -), not '$OPT_USER'" ;;
  esac
  [ -z "$OPT_PIN" ] || is_pin "$OPT_PIN" || die "--pin must be sha256//<44 base64 characters>, as printed by 'cost-optimizer token create'"
  case $OPT_PREFIX in
    /*) ;;
    *) die "--prefix must be an absolute path, not '$OPT_PREFIX'" ;;
  esac
  # Paths end up unquoted in unit files: keep them to characters no format needs to escape.
  case $OPT_PREFIX in
    *[!A-Za-z0-9._/+-]*) die "--prefix may hold only letters, digits and . _ / + - ('$OPT_PREFIX')" ;;
  esac
}

set_paths() {
  ROOT=${OPT_PREFIX%/}
  while [ "${ROOT%/}" != "$ROOT" ]; do ROOT=${ROOT%/}; done
  OPT_DIR=$ROOT/opt/cost-optimizer
  ETC_DIR=$ROOT/etc/cost-optimizer
  ENV_FILE=$ETC_DIR/agent.env
  STATE_DIR=$ROOT/var/lib/cost-optimizer-agent
  AGENT_JS=$OPT_DIR/agent.js
  RUNTIME_NODE=$OPT_DIR/node
  RUN_AGENT=$OPT_DIR/run-agent
  SUPERVISE=$OPT_DIR/supervise
  UNIT_FILE=$ROOT/etc/systemd/system/$SERVICE.service
  OPENRC_FILE=$ROOT/etc/init.d/$SERVICE
  OPENRC_LINK=$ROOT/etc/runlevels/default/$SERVICE
  PID_FILE=$ROOT/var/run/$SERVICE.pid
  CHILD_PID_FILE=$ROOT/var/run/$SERVICE.child.pid
  LOG_FILE=$ROOT/var/log/$SERVICE.log
  HOOK_FILES="$ROOT/root/onstart.sh $ROOT/etc/rc.local"
}

# Service managers are real only for a real install; tests name stand-ins through these variables.
manager_allowed() {
  [ "$OPT_NO_START" = 0 ] || return 1
  [ -z "$ROOT" ] && return 0
  case $1 in
    systemd) [ -n "${SYSTEMCTL:-}" ] ;;
    openrc) [ -n "${RC_SERVICE:-}" ] && [ -n "${RC_UPDATE:-}" ] ;;
    *) return 1 ;;
  esac
}

# Prints the init system to install for: systemd, openrc or none.
detect_init() {
  if [ "$OPT_INIT" != auto ]; then
    echo "$OPT_INIT"
  elif [ -d /run/systemd/system ]; then
    echo systemd # sd_booted(3): this directory exists only when systemd is PID 1
  elif { [ -x /sbin/openrc-run ] || have rc-service; } && [ -d /run/openrc ]; then
    echo openrc # OpenRC installed in an image but not booted (common in containers) has no /run/openrc
  else
    echo none
  fi
}

# ---------------------------------------------------------------- helpers

# Single-quotes a value for sh: 'it'\''s'.
q() {
  case $1 in
    *\'*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
    *) printf "'%s'" "$1" ;;
  esac
}

# All three print `<hex> <name>`; the hex is cut off with a parameter expansion (one process fewer).
sha256_file() {
  if have sha256sum; then
    out=$(sha256sum "$1")
  elif have shasum; then
    out=$(shasum -a 256 "$1")
  elif have openssl; then
    out=$(openssl dgst -sha256 -r "$1")
  else
    die "no sha256 tool found (sha256sum, shasum or openssl): install coreutils or busybox"
  fi
  printf '%s\n' "${out%% *}"
}

same_content() {
  if have cmp; then
    cmp -s "$1" "$2"
  else
    [ "$(sha256_file "$1")" = "$(sha256_file "$2")" ]
  fi
}

is_sha256() {
  case $1 in
    *[!0-9a-f]* | '') return 1 ;;
  esac
  [ ${#1} -eq 64 ]
}

is_pin() {
  case $1 in
    sha256//*[!A-Za-z0-9+/=]*) return 1 ;;
    sha256//*=) [ ${#1} -eq 52 ] ;;
    *) return 1 ;;
  esac
}

file_mode() { stat -c %a "$1"; }

# With a pin: https only, and exactly the pinned key whatever signed it (-k: a self-signed controller has no CA;
# --pinnedpubkey is checked before curl sends or receives anything).
download() {
  if [ -n "$PIN" ]; then
    curl -fsSL --retry 2 --connect-timeout 15 --proto =https --proto-redir =https -k --pinnedpubkey "$PIN" -o "$2" "$1"
  elif have curl; then
    curl -fsSL --retry 2 --connect-timeout 15 -o "$2" "$1"
  elif have wget; then
    # Some busybox builds (Debian's) have no -T: then wget's own defaults apply.
    if wget --help 2>&1 | grep -q -- '-T'; then
      wget -q -T 30 -O "$2" "$1"
    else
      wget -q -O "$2" "$1"
    fi
  else
    die "neither curl nor wget is installed: install one of them and run again"
  fi
}

# Prints the name of the tool download uses (for messages).
dl_tool() {
  if [ -n "$PIN" ] || have curl; then echo curl; else echo wget; fi
}

# fetch URL DEST HINT: download or stop with a message naming the URL and what to check.
fetch() {
  rc=0
  download "$1" "$2" || rc=$?
  [ "$rc" -eq 0 ] || die "could not download $1 ($(dl_tool) exit status $rc): $3"
}

# Reads the first field of a `<hex>  <name>` checksum file and checks it is a sha256.
read_sha_file() {
  sum=''
  read -r sum _ <"$1" || true
  is_sha256 "$sum" || die "$2 did not return a sha256 checksum"
  printf '%s\n' "$sum"
}

# put_file SRC DEST MODE: installs SRC as DEST unless DEST already has that content and mode. Succeeds when it
# wrote DEST, fails (status 1) when DEST was already right.
put_file() {
  if [ -f "$2" ] && [ ! -L "$2" ] && [ "$(file_mode "$2")" = "$3" ] && same_content "$1" "$2"; then
    return 1
  fi
  # Called as a condition, where set -e does not apply: each step is checked here.
  { cp "$1" "$2.new.$$" && chmod "$3" "$2.new.$$" && mv -f "$2.new.$$" "$2"; } || die "cannot write $2"
}

# ensure_dir DIR MODE: creates DIR with MODE; an existing directory keeps its mode.
ensure_dir() {
  [ -d "$1" ] && return 0
  (
    umask 022 # missing parents get the usual 0755, not this script's 0700
    mkdir -p "$1"
  )
  chmod "$2" "$1"
}

node_major() {
  out=$("$1" --version 2>/dev/null) || return 1
  out=${out#v}
  out=${out%%.*}
  case $out in
    '' | *[!0-9]*) return 1 ;;
  esac
  printf '%s\n' "$out"
}

# ---------------------------------------------------------------- settings

# Prints the controller's base URL (http(s)://host[:port][/path]); refuses plain http to a non-loopback host
# unless --insecure.
controller_url() {
  url=$OPT_URL
  [ -n "$url" ] || url=$CONTROLLER_URL_DEFAULT
  case $url in
    '' | @@*) die "no controller URL: pass --controller http(s)://<controller> (or CONTROLLER_URL)" ;;
  esac
  case $url in
    *[!]A-Za-z0-9._~:/@%+=[-]*) die "the controller URL '$url' holds characters a controller URL cannot (spaces, quotes, a query?)" ;;
  esac
  while [ "${url%/}" != "$url" ]; do url=${url%/}; done
  url=${url%/install.sh}
  case $url in
    ws://* | wss://*)
      url=${url%/agent}
      url=http${url#ws}
      ;;
  esac
  case $url in
    http://?* | https://?*) ;;
    *) die "the controller URL must start with http:// or https:// (got '$url')" ;;
  esac
  if is_plaintext "$url"; then
    [ "$OPT_INSECURE" = 1 ] ||
      die "refusing plain http:// to $url: the token and the downloads would travel in clear; use the https line from 'cost-optimizer token create', or pass --insecure"
    warn "$url is plain http (--insecure): the download and the token travel unencrypted"
  fi
  printf '%s\n' "$url"
}

# True for plain http to a host other than this one (the agent then needs ALLOW_PLAINTEXT).
is_plaintext() {
  case $1 in
    http://*) ! is_loopback_url "$1" ;;
    *) return 1 ;;
  esac
}

# True for http(s)://127.x.y.z (a literal address), localhost or [::1], with or without a port and path. A URL with
# user info is never loopback (http://127.0.0.1@attacker.example goes to attacker.example), nor is a name that only
# starts with "127." (127.rebind.attacker.example resolves wherever its owner likes).
is_loopback_url() {
  h=${1#*://}
  h=${h%%/*}
  case $h in
    *@*) return 1 ;;
    '[::1]' | '[::1]:'*) return 0 ;;
  esac
  h=${h%:*}
  [ "$h" = localhost ] && return 0
  is_loopback_ipv4 "$h"
}

# True for a dotted-quad 127.a.b.c with each part a number of 0-255.
is_loopback_ipv4() {
  case $1 in
    127.*.*.*) ;;
    *) return 1 ;;
  esac
  rest=${1#127.}
  for part in "${rest%%.*}" "$(printf '%s' "$rest" | cut -d. -f2)" "${rest##*.}"; do
    case $part in
      '' | *[!0-9]*) return 1 ;;
    esac
    [ "${#part}" -le 3 ] && [ "$part" -le 255 ] || return 1
  done
  [ "$(printf '%s' "$rest" | tr -cd . | wc -c)" -eq 2 ]
}

# saved_setting NAME: prints NAME's value from the installed env file (empty when there is none).
saved_setting() {
  [ -f "$ENV_FILE" ] || return 0
  (
    # shellcheck disable=SC1090
    . "$ENV_FILE" >/dev/null 2>&1
    eval "printf '%s' \"\${$1:-}\""
  ) || true
}

# Prints the pin: --pin / CONTROLLER_PIN, else the one already in the env file (a re-run keeps it); empty for none.
controller_pin() {
  pin=$OPT_PIN
  if [ -z "$pin" ]; then
    pin=$(saved_setting CONTROLLER_PIN)
    is_pin "$pin" || pin=''
  fi
  [ -n "$pin" ] || return 0
  case $BASE_URL in
    https://*) ;;
    *) die "--pin needs an https:// controller URL (got $BASE_URL)" ;;
  esac
  have curl || die "--pin needs curl (wget cannot check a pinned key): install curl and run again"
  printf '%s\n' "$pin"
}

# Prints the agent token: --token / AGENT_TOKEN, else the installed one; empty when a join token stands in for it.
agent_token() {
  token=$OPT_TOKEN
  if [ -z "$token" ] && [ -z "$OPT_JOIN" ]; then
    token=$(saved_setting AGENT_TOKEN)
  fi
  [ -n "$token" ] || [ -n "$(join_token)" ] || has_kept_token || die "missing token: pass --token <token> (or AGENT_TOKEN); mint one on the controller with: cost-optimizer token create <instance-id> (or a fleet join token: --join-token, from cost-optimizer token create --join)"
  [ -n "$token" ] || return 0
  case $token in
    *[!A-Za-z0-9._~+/=:-]*) die "the token holds unexpected characters (spaces, quotes?): copy it again from 'cost-optimizer token create'" ;;
  esac
  printf '%s\n' "$token"
}

# True when an earlier enrolment left the agent's own token in STATE_DIR.
has_kept_token() {
  [ -s "$STATE_DIR/agent-token" ]
}

# Prints the fleet join token (--join-token / JOIN_TOKEN, else the installed one) when no agent token is given;
# the agent then enrols and keeps the token it is granted in STATE_DIR (docs/enrolment.md).
join_token() {
  [ -z "$OPT_TOKEN" ] || return 0
  join=$OPT_JOIN
  [ -n "$join" ] || [ -n "$(saved_setting AGENT_TOKEN)" ] || join=$(saved_setting JOIN_TOKEN)
  # Spent: the agent enrolled and kept its own token, which is all a restart needs. The join token is not written
  # back (root on any fleet host could otherwise read it and claim other instances).
  ! has_kept_token || return 0
  [ -n "$join" ] || return 0
  case $join in
    *[!A-Za-z0-9._~+/=:-]*) die "the join token holds unexpected characters (spaces, quotes?): copy it again from 'cost-optimizer token create --join'" ;;
  esac
  printf '%s\n' "$join"
}

# Prints the checkpoint command: --checkpoint-cmd / CHECKPOINT_CMD when given (even empty), else the installed one.
checkpoint_cmd() {
  if [ "$OPT_CHECKPOINT_SET" = 1 ]; then
    printf '%s\n' "$OPT_CHECKPOINT"
  else
    saved_setting CHECKPOINT_CMD
  fi
}

# ---------------------------------------------------------------- downloads (nothing is installed yet)

# Downloads agent.js into $TMP, checks it against the announced (and any --sha256) hash and prints that hash.
fetch_agent() {
  fetch "$BASE_URL/agent.js.sha256" "$TMP/agent.js.sha256" \
    "is the controller URL right, the controller reachable from this host, and its agent built (npm run build)?"
  sha=$(read_sha_file "$TMP/agent.js.sha256" "$BASE_URL/agent.js.sha256")
  if [ -n "$OPT_SHA" ] && [ "$OPT_SHA" != "$sha" ]; then
    die "checksum mismatch: the controller announces agent.js sha256 $sha but --sha256 says $OPT_SHA; nothing was installed"
  fi
  fetch "$BASE_URL/agent.js" "$TMP/agent.js" "is the agent built on the controller (npm run build)?"
  got=$(sha256_file "$TMP/agent.js")
  [ "$got" = "$sha" ] ||
    die "checksum mismatch: agent.js from $BASE_URL has sha256 $got, expected $sha; refusing to install it (nothing was installed)"
  printf '%s\n' "$sha"
}

host_platform() {
  case $(uname -s) in
    Linux) h_os=linux ;;
    *) h_os=$(uname -s) ;;
  esac
  case $(uname -m) in
    x86_64 | amd64) h_arch=x64 ;;
    aarch64 | arm64) h_arch=arm64 ;;
    *) h_arch=$(uname -m) ;;
  esac
  h_libc=glibc
  if ls /lib/ld-musl-* >/dev/null 2>&1 || { have ldd && ldd --version 2>&1 | grep -qi musl; }; then
    h_libc=musl
  fi
  printf '%s-%s-%s\n' "$h_os" "$h_arch" "$h_libc"
}

gunzip_to() {
  if have gunzip; then gunzip -c <"$1" >"$2"; else gzip -d -c <"$1" >"$2"; fi
}

json_field() {
  sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p" "$2"
}

# Uses the host's Node when it is recent enough, else the controller's runtime (checked like agent.js).
choose_node() {
  RUNTIME_NEW=''
  if [ -n "$OPT_NODE" ]; then
    if [ ! -f "$OPT_NODE" ] || [ ! -x "$OPT_NODE" ]; then die "--node $OPT_NODE is not an executable file"; fi
    m=$(node_major "$OPT_NODE") || die "--node $OPT_NODE does not run ($OPT_NODE --version failed)"
    [ "$m" -ge "$MIN_NODE_MAJOR" ] || die "--node $OPT_NODE is Node $m; the agent needs Node >= $MIN_NODE_MAJOR"
    NODE_BIN=$(cd "$(dirname "$OPT_NODE")" && pwd)/$(basename "$OPT_NODE")
    NODE_FROM="--node"
    return 0
  fi
  found=$(command -v node 2>/dev/null || true)
  case $found in
    /*)
      if m=$(node_major "$found") && [ "$m" -ge "$MIN_NODE_MAJOR" ]; then
        NODE_BIN=$found
        NODE_FROM="this host"
        return 0
      fi
      say "$found is not Node >= $MIN_NODE_MAJOR ($("$found" --version 2>/dev/null || echo 'does not run')): using the controller's Node runtime"
      ;;
    *) say "Node is not installed: using the controller's Node runtime" ;;
  esac
  fetch_runtime
}

fetch_runtime() {
  rc=0
  download "$BASE_URL/runtime/info" "$TMP/runtime-info" || rc=$?
  [ "$rc" -eq 0 ] || die "this host has no Node >= $MIN_NODE_MAJOR and the controller serves no Node runtime ($BASE_URL/runtime/info: $(dl_tool) exit status $rc): install Node >= $MIN_NODE_MAJOR, or pass --node PATH"
  served=$(json_field os "$TMP/runtime-info")-$(json_field arch "$TMP/runtime-info")-$(json_field libc "$TMP/runtime-info")
  here=$(host_platform)
  [ "$served" = "$here" ] ||
    die "unsupported platform: this host is $here but the controller's Node runtime is $served; install Node >= $MIN_NODE_MAJOR on this host, or pass --node PATH"
  fetch "$BASE_URL/runtime/node.sha256" "$TMP/node.sha256" "the controller's runtime checksum is missing"
  NODE_SHA=$(read_sha_file "$TMP/node.sha256" "$BASE_URL/runtime/node.sha256")
  NODE_BIN=$RUNTIME_NODE
  NODE_FROM="the controller, $served"
  if [ -f "$RUNTIME_NODE" ] && [ "$(sha256_file "$RUNTIME_NODE")" = "$NODE_SHA" ]; then
    return 0
  fi
  if have gunzip || have gzip; then
    fetch "$BASE_URL/runtime/node.gz" "$TMP/node.gz" "the controller did not serve its Node runtime"
    gunzip_to "$TMP/node.gz" "$TMP/node" || die "the Node runtime from $BASE_URL/runtime/node.gz is not valid gzip; nothing was installed"
    rm -f "$TMP/node.gz"
  else
    fetch "$BASE_URL/runtime/node" "$TMP/node" "the controller did not serve its Node runtime"
  fi
  got=$(sha256_file "$TMP/node")
  [ "$got" = "$NODE_SHA" ] ||
    die "checksum mismatch: the Node runtime from $BASE_URL has sha256 $got, expected $NODE_SHA; refusing to install it (nothing was installed)"
  chmod 755 "$TMP/node"
  m=$(node_major "$TMP/node") ||
    die "the controller's Node runtime does not run on this host (missing shared libraries such as libstdc++?): install Node >= $MIN_NODE_MAJOR, or pass --node PATH"
  say "downloaded Node $m for $served from the controller (sha256 verified)"
  RUNTIME_NEW=$TMP/node
}

# ---------------------------------------------------------------- generated files

gen_env() {
  {
    printf '# Cost Optimizer agent settings, written by install.sh. Mode 0600: it holds the agent token.\n'
    printf 'CONTROLLER_URL=%s\n' "$(q "$WS_URL")"
    if [ -n "$TOKEN" ]; then
      printf 'AGENT_TOKEN=%s\n' "$(q "$TOKEN")"
    else
      [ -z "$JOIN" ] || printf 'JOIN_TOKEN=%s\n' "$(q "$JOIN")"
      printf 'AGENT_STATE_DIR=%s\n' "$(q "$STATE_DIR")"
    fi
    [ -z "$PIN" ] || printf 'CONTROLLER_PIN=%s\n' "$(q "$PIN")"
    ! is_plaintext "$BASE_URL" || printf 'ALLOW_PLAINTEXT=true\n'
    [ -z "$CHECKPOINT" ] || printf 'CHECKPOINT_CMD=%s\n' "$(q "$CHECKPOINT")"
  } >"$1"
}

# Prints the user the agent runs as: --root, --user, the installing user under --prefix, else cost-optimizer.
agent_user() {
  if [ "$OPT_ROOT" = 1 ]; then
    echo root
  elif [ -n "$OPT_USER" ]; then
    echo "$OPT_USER"
  elif [ -n "$ROOT" ]; then
    id -un
  else
    echo "$AGENT_USER_DEFAULT"
  fi
}

# Creates the agent's system user (no home, no login shell; in the video group where /dev/nvidia* may belong to
# it) on a real install; under --prefix the user must exist already.
ensure_agent_user() {
  id -u "$1" >/dev/null 2>&1 && return 0
  [ -z "$ROOT" ] || die "user '$1' does not exist (with --prefix, users are not created)"
  if have useradd; then
    if getent group video >/dev/null 2>&1; then groups='-G video'; else groups=''; fi
    # shellcheck disable=SC2086 # $groups is empty or one option and its value
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin $groups "$1" ||
      die "cannot create the user '$1' (useradd failed); create it, or pass --user NAME or --root"
  elif have adduser; then
    adduser -S -D -H -h /nonexistent -s /sbin/nologin "$1" ||
      die "cannot create the user '$1' (adduser failed); create it, or pass --user NAME or --root"
    ! getent group video >/dev/null 2>&1 || addgroup "$1" video || true
  else
    die "cannot create the user '$1' (no useradd or adduser): create it, or pass --user NAME or --root"
  fi
  say "created the system user '$1' for the agent"
}

# Prints the command prefix that switches from root to the agent's user (empty when it runs as the caller).
drop_privileges() {
  [ "$1" != "$(id -un)" ] || return 0
  if have setpriv; then
    printf 'setpriv --reuid=%s --regid=%s --init-groups --\n' "$1" "$(id -gn "$1")"
  else
    die "cannot run the agent as '$1': setpriv (util-linux) is missing; install it, or pass --root"
  fi
}

gen_run_agent() {
  {
    printf '#!/bin/sh\n'
    printf '# Starts the Cost Optimizer agent with its settings; written by install.sh. The token stays in the env file.\n'
    printf 'set -eu\n'
    printf '# The env file is the only source of these, whatever the environment that started us held.\n'
    printf 'unset CONTROLLER_URL AGENT_TOKEN JOIN_TOKEN AGENT_STATE_DIR CHECKPOINT_CMD CONTROLLER_PIN ALLOW_PLAINTEXT\n'
    printf '# The usual umask for the checkpoint command'"'"'s files, whatever started us (install.sh runs with 077).\n'
    printf 'umask 022\n'
    printf 'set -a\n'
    printf '. %s\n' "$(q "$ENV_FILE")"
    printf 'set +a\n'
    printf 'ENV_FILE=%s\n' "$(q "$ENV_FILE")"
    cat <<'LAUNCHER'
# The join token is spent once the agent kept its own token (docs/enrolment.md): removed from the env file here, as
# root, at this start or (in the background) as soon as the enrolment succeeds, so it does not stay on the host.
spend_join_token() {
  [ -n "${AGENT_STATE_DIR:-}" ] && [ -s "$AGENT_STATE_DIR/agent-token" ] || return 1
  grep -q '^JOIN_TOKEN=' "$ENV_FILE" || return 0
  (umask 077 && grep -v '^JOIN_TOKEN=' "$ENV_FILE" >"$ENV_FILE.spent" && mv -f "$ENV_FILE.spent" "$ENV_FILE")
}
if [ -n "${JOIN_TOKEN:-}" ]; then
  if spend_join_token; then
    unset JOIN_TOKEN
  else
    # Twice in the background, so the watcher is nobody's child once the agent replaces this shell (for a day at most).
    ( (
      unset JOIN_TOKEN
      n=0
      while [ "$n" -lt 8640 ] && ! spend_join_token; do
        sleep 10
        n=$((n + 1))
      done
    ) </dev/null >/dev/null 2>&1 &)
  fi
fi
LAUNCHER
    if [ -n "$DROP" ]; then
      printf '# Sourced as root (the env file is 0600 root), then run as %s: the agent needs no privilege to stream.\n' "$AGENT_USER"
    fi
    printf 'exec %s%s %s %s "$@"\n' "${DROP:+$DROP }" "$(q "$NODE_BIN")" "$AGENT_NODE_FLAGS" "$(q "$AGENT_JS")"
  } >"$1"
}

gen_unit() {
  cat >"$1" <<EOF
# Cost Optimizer agent: reports this host's GPU use to the controller. Written by install.sh.
# The token is in $ENV_FILE (0600), read by $RUN_AGENT, never here.
[Unit]
Description=Cost Optimizer agent (reports GPU use to the controller)
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=0

[Service]
Type=simple
ExecStart=$RUN_AGENT
Restart=always
RestartSec=5
KillSignal=SIGTERM
TimeoutStopSec=30
# Starts as root to read the 0600 env file; $RUN_AGENT then runs the agent as $AGENT_USER (install.sh
# --root keeps root for a checkpoint hook acting on other users' processes). Nothing may gain privileges.
NoNewPrivileges=yes

[Install]
WantedBy=multi-user.target
EOF
}

gen_openrc() {
  {
    printf '#!/sbin/openrc-run\n'
    printf '# shellcheck shell=sh disable=SC2034\n'
    printf '# Cost Optimizer agent under OpenRC'"'"'s supervise-daemon; written by install.sh. The token is in the env file.\n'
    printf 'description="Cost Optimizer agent: reports GPU use to the controller"\n'
    printf 'supervisor=supervise-daemon\n'
    printf 'command=%s\n' "$(q "$RUN_AGENT")"
    printf 'pidfile=/run/%s.pid\n' "$SERVICE"
    printf 'respawn_delay=5\nrespawn_max=0\n'
    printf 'output_log=%s\nerror_log=%s\n' "$(q "$LOG_FILE")" "$(q "$LOG_FILE")"
    printf '\ndepend() {\n\tneed net\n\tafter firewall\n}\n'
  } >"$1"
}

# The supervisor program, install/supervise.sh: inlined here by the controller when it serves /install.sh; from a
# checkout, read beside this script. Its first two lines (shebang, shellcheck directive) are left out.
supervise_program() {
  body=$(
    cat <<'SUPERVISE_SH_EOF'
@@SUPERVISE_SH@@
SUPERVISE_SH_EOF
  )
  if [ "$body" = '@@SUPERVISE_SH@@' ]; then
    src=$(dirname "$0")/supervise.sh
    [ -f "$src" ] || die "this copy of install.sh lacks its supervisor: fetch install.sh from the controller (/install.sh)"
    tail -n +3 "$src"
  else
    printf '%s\n' "$body"
  fi
}

gen_supervise() {
  {
    printf '#!/bin/sh\n'
    printf '# Written by install.sh; the program below is install/supervise.sh.\n'
    printf 'set -u\n'
    printf 'SELF=%s\nRUN=%s\nPIDFILE=%s\nCHILDFILE=%s\nLOG=%s\n' "$(q "$SUPERVISE")" "$(q "$RUN_AGENT")" \
      "$(q "$PID_FILE")" "$(q "$CHILD_PID_FILE")" "$(q "$LOG_FILE")"
    supervise_program
  } >"$1"
}

hook_line() { printf '%s start || true %s\n' "$(q "$SUPERVISE")" "$HOOK_MARKER"; }

# Puts the start line right after the shebang: an on-start script often ends in a long-running command.
add_hook() {
  line=$(hook_line)
  if grep -qxF "$line" "$1"; then return 0; fi
  remove_hook "$1"
  if [ ! -s "$1" ]; then
    printf '%s\n' "$line" >"$TMP/hook"
  elif head -n 1 "$1" | grep -q '^#!'; then
    { head -n 1 "$1"; printf '%s\n' "$line"; tail -n +2 "$1"; } >"$TMP/hook"
  else
    { printf '%s\n' "$line"; cat "$1"; } >"$TMP/hook"
  fi
  cat "$TMP/hook" >"$1" # rewrite in place: keeps the file's owner and mode
  say "added a start line to $1"
}

remove_hook() {
  [ -f "$1" ] || return 0
  grep -qF "$HOOK_MARKER" "$1" || return 0
  grep -vF "$HOOK_MARKER" "$1" >"$TMP/unhook" || true
  cat "$TMP/unhook" >"$1"
}

# ---------------------------------------------------------------- install

write_common() {
  ensure_dir "$OPT_DIR" 755
  ensure_dir "$ETC_DIR" 700
  CHANGED=0
  if put_file "$TMP/agent.js" "$AGENT_JS" 644; then
    CHANGED=1
    say "installed agent.js (sha256 $AGENT_SHA)"
  fi
  if [ -n "$RUNTIME_NEW" ]; then
    mv -f "$RUNTIME_NEW" "$RUNTIME_NODE.new.$$"
    mv -f "$RUNTIME_NODE.new.$$" "$RUNTIME_NODE"
    CHANGED=1
    say "installed the controller's Node runtime as $RUNTIME_NODE"
  elif [ "$NODE_BIN" != "$RUNTIME_NODE" ] && [ -f "$RUNTIME_NODE" ]; then
    rm -f "$RUNTIME_NODE"
    say "removed $RUNTIME_NODE: this host's Node is used now"
  fi
  gen_env "$TMP/agent.env"
  if put_file "$TMP/agent.env" "$ENV_FILE" 600; then CHANGED=1; fi
  gen_run_agent "$TMP/run-agent"
  if put_file "$TMP/run-agent" "$RUN_AGENT" 755; then CHANGED=1; fi
}

install_systemd() {
  ensure_dir "$(dirname "$UNIT_FILE")" 755
  gen_unit "$TMP/unit"
  unit_changed=0
  if put_file "$TMP/unit" "$UNIT_FILE" 644; then
    unit_changed=1
    CHANGED=1
  fi
  if ! manager_allowed systemd; then
    say "not starting the service (--no-start, or --prefix without SYSTEMCTL); run: systemctl enable --now $SERVICE"
    return 0
  fi
  sc=${SYSTEMCTL:-systemctl}
  [ "$unit_changed" = 0 ] || "$sc" daemon-reload
  "$sc" is-enabled --quiet "$SERVICE" 2>/dev/null || "$sc" enable --quiet "$SERVICE"
  if "$sc" is-active --quiet "$SERVICE" 2>/dev/null; then
    if [ "$CHANGED" = 1 ]; then
      "$sc" restart "$SERVICE"
      say "restarted $SERVICE"
    fi
  else
    "$sc" start "$SERVICE"
    say "started $SERVICE (logs: journalctl -u $SERVICE -f)"
  fi
}

install_openrc() {
  ensure_dir "$(dirname "$OPENRC_FILE")" 755
  gen_openrc "$TMP/openrc"
  if put_file "$TMP/openrc" "$OPENRC_FILE" 755; then CHANGED=1; fi
  if ! manager_allowed openrc; then
    say "not starting the service (--no-start, or --prefix without RC_SERVICE/RC_UPDATE); run: rc-update add $SERVICE default && rc-service $SERVICE start"
    return 0
  fi
  rs=${RC_SERVICE:-rc-service}
  ru=${RC_UPDATE:-rc-update}
  [ -e "$OPENRC_LINK" ] || [ -L "$OPENRC_LINK" ] || "$ru" add "$SERVICE" default
  if "$rs" "$SERVICE" status >/dev/null 2>&1; then
    if [ "$CHANGED" = 1 ]; then
      "$rs" "$SERVICE" restart
      say "restarted $SERVICE"
    fi
  else
    "$rs" "$SERVICE" start
    say "started $SERVICE (logs: $LOG_FILE)"
  fi
}

install_none() {
  gen_supervise "$TMP/supervise"
  if put_file "$TMP/supervise" "$SUPERVISE" 755; then CHANGED=1; fi
  hooked=0
  for f in $HOOK_FILES; do
    if [ -f "$f" ]; then
      add_hook "$f"
      hooked=1
    fi
  done
  [ "$hooked" = 1 ] ||
    warn "no start hook found (/root/onstart.sh, /etc/rc.local): after a restart of this instance, start the agent with: $SUPERVISE start"
  if [ "$OPT_NO_START" = 1 ]; then
    say "not starting the agent (--no-start); run: $SUPERVISE start"
    return 0
  fi
  ensure_dir "$(dirname "$PID_FILE")" 755
  ensure_dir "$(dirname "$LOG_FILE")" 755
  if "$SUPERVISE" status >/dev/null 2>&1; then
    if [ "$CHANGED" = 1 ]; then
      "$SUPERVISE" restart >/dev/null
      say "restarted the agent (logs: $LOG_FILE)"
    fi
  else
    "$SUPERVISE" start >/dev/null
    say "started the agent under $SUPERVISE (logs: $LOG_FILE)"
  fi
}

# An agent installed earlier under another init would run twice with one token: take it down.
remove_other_inits() {
  [ "$INIT" = systemd ] || uninstall_systemd
  [ "$INIT" = openrc ] || uninstall_openrc
  [ "$INIT" = none ] || uninstall_none
}

do_install() {
  [ -n "$ROOT" ] || [ "$(id -u)" = 0 ] || die "run as root (... | sudo sh -s -- --token <token>), or pass --prefix DIR"
  BASE_URL=$(controller_url)
  WS_URL=ws${BASE_URL#http}/agent
  TOKEN=$(agent_token)
  JOIN=''
  [ -n "$TOKEN" ] || JOIN=$(join_token)
  if [ -z "$TOKEN" ] && [ -z "$JOIN" ]; then
    say "the agent enrolled earlier and keeps its own token in $STATE_DIR: the join token is spent and not written again"
  elif [ -z "$OPT_TOKEN$OPT_JOIN" ]; then
    say "no --token given: keeping the token already in $ENV_FILE"
  fi
  CHECKPOINT=$(checkpoint_cmd)
  PIN=$(controller_pin)
  INIT=$(detect_init)
  AGENT_USER=$(agent_user)
  ensure_agent_user "$AGENT_USER"
  DROP=$(drop_privileges "$AGENT_USER")
  AGENT_SHA=$(fetch_agent)
  choose_node
  write_common
  # Only an enrolling agent keeps a token of its own; created after every download is verified.
  [ -z "$JOIN" ] || ensure_state_dir "$AGENT_USER"
  remove_other_inits
  "install_$INIT"
  say "done: agent $AGENT_JS (sha256 $AGENT_SHA), Node $NODE_BIN (from $NODE_FROM), init $INIT, user $AGENT_USER, controller $WS_URL"
}

# The agent keeps the token an enrolment grants here; only its own user may read it.
ensure_state_dir() {
  (umask 022 && mkdir -p "${STATE_DIR%/*}")
  mkdir -p "$STATE_DIR"
  chmod 0700 "$STATE_DIR"
  if [ "$(id -u)" = 0 ] && [ "$1" != root ]; then chown "$1" "$STATE_DIR" || die "cannot give $STATE_DIR to user $1"; fi
}

# ---------------------------------------------------------------- uninstall

uninstall_systemd() {
  [ -f "$UNIT_FILE" ] || return 0
  if manager_allowed systemd; then
    sc=${SYSTEMCTL:-systemctl}
    "$sc" disable --now --quiet "$SERVICE" || warn "systemctl disable --now $SERVICE failed"
  fi
  rm -f "$UNIT_FILE"
  if manager_allowed systemd; then "$sc" daemon-reload || warn "systemctl daemon-reload failed"; fi
  say "removed $UNIT_FILE"
}

uninstall_openrc() {
  [ -f "$OPENRC_FILE" ] || return 0
  if manager_allowed openrc; then
    "${RC_SERVICE:-rc-service}" "$SERVICE" stop || warn "rc-service $SERVICE stop failed"
    if [ -e "$OPENRC_LINK" ] || [ -L "$OPENRC_LINK" ]; then
      "${RC_UPDATE:-rc-update}" del "$SERVICE" default || warn "rc-update del $SERVICE failed"
    fi
  fi
  rm -f "$OPENRC_FILE"
  say "removed $OPENRC_FILE"
}

uninstall_none() {
  if [ -f "$SUPERVISE" ]; then
    "$SUPERVISE" stop >/dev/null || warn "$SUPERVISE stop failed"
    rm -f "$SUPERVISE"
    say "stopped the agent and removed $SUPERVISE"
  fi
  for f in $HOOK_FILES; do remove_hook "$f"; done
  rm -f "$PID_FILE" "$CHILD_PID_FILE"
}

do_uninstall() {
  [ -n "$ROOT" ] || [ "$(id -u)" = 0 ] || die "run as root to uninstall (... | sudo sh -s -- --uninstall)"
  uninstall_systemd
  uninstall_openrc
  uninstall_none
  rm -f "$AGENT_JS" "$RUNTIME_NODE" "$RUN_AGENT" "$ENV_FILE" "$LOG_FILE" "$LOG_FILE.1"
  rmdir "$OPT_DIR" 2>/dev/null || true
  rmdir "$ETC_DIR" 2>/dev/null || true
  # The agent token an enrolment kept: the instance enrols afresh if the agent is installed again.
  rm -f "$STATE_DIR/agent-token"
  rmdir "$STATE_DIR" 2>/dev/null || true
  say "uninstalled the Cost Optimizer agent"
}

# ---------------------------------------------------------------- main

main() {
  parse_args "$@"
  set_paths
  TMP=''
  PIN=''
  trap 'rm -rf "$TMP"' EXIT
  trap 'exit 130' INT TERM
  TMP=$(mktemp -d 2>/dev/null || mktemp -d -t cost-optimizer.XXXXXX) || die "cannot create a temporary directory"
  if [ "$OPT_UNINSTALL" = 1 ]; then
    do_uninstall
  else
    do_install
  fi
}

main "$@"
