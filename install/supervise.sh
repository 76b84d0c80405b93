#!/bin/sh
# shellcheck disable=SC2154 # SELF, RUN, PIDFILE, CHILDFILE and LOG are set by the lines install.sh writes above this text
# Keeps the Cost Optimizer agent running where there is no init system (Docker-based instances such as Vast.ai).
# install.sh writes <prefix>/opt/cost-optimizer/supervise as: a shebang, one line per setting (SELF, RUN, PIDFILE,
# CHILDFILE, LOG), then this file from its third line on. The controller inlines this file into /install.sh.
# Usage: supervise start|stop|restart|status|run
LOG_MAX_BYTES=5242880

log() { printf '%s supervise: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$LOG"; }

# A process that exited but was not reaped (PID 1 of many containers reaps nothing) is not alive.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ -r "/proc/$1/stat" ] || return 0
  state=$(cut -d')' -f2 <"/proc/$1/stat" | cut -d' ' -f2)
  [ "$state" != Z ]
}

# Prints the supervisor's pid when it runs. A pid file left by an earlier container start can name an
# unrelated process, so the process must also be this script.
running_pid() {
  [ -f "$PIDFILE" ] || return 1
  pid=''
  read -r pid <"$PIDFILE" || true
  case $pid in '' | *[!0-9]*) return 1 ;; esac
  alive "$pid" || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\000' ' ' <"/proc/$pid/cmdline" | grep -qF "$SELF" || return 1
  fi
  printf '%s\n' "$pid"
}

start() {
  if pid=$(running_pid); then
    echo "cost-optimizer-agent: already running (pid $pid)"
    return 0
  fi
  mkdir -p "$(dirname "$PIDFILE")" "$(dirname "$LOG")"
  # As nohup (absent from some busybox builds) does: HUP stays ignored across exec when the login ends.
  # The install shell may hold AGENT_TOKEN in its environment: the agent gets it from the env file, and the
  # supervisor (whose environment outlives this shell in /proc) gets none of it.
  (
    trap '' HUP
    unset AGENT_TOKEN JOIN_TOKEN AGENT_STATE_DIR CONTROLLER_URL CHECKPOINT_CMD CONTROLLER_PIN ALLOW_PLAINTEXT
    exec /bin/sh "$SELF" run
  ) </dev/null >/dev/null 2>&1 &
  echo "$!" >"$PIDFILE"
  echo "cost-optimizer-agent: started (pid $!)"
}

stop() {
  if ! pid=$(running_pid); then
    rm -f "$PIDFILE" "$CHILDFILE"
    echo "cost-optimizer-agent: not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  i=0
  while alive "$pid" && [ "$i" -lt 100 ]; do
    sleep 0.2
    i=$((i + 1))
  done
  if alive "$pid"; then
    echo "cost-optimizer-agent: did not stop within 20 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    child=''
    [ ! -f "$CHILDFILE" ] || read -r child <"$CHILDFILE" || true
    case $child in '' | *[!0-9]*) ;; *) kill -KILL "$child" 2>/dev/null || true ;; esac
  fi
  rm -f "$PIDFILE" "$CHILDFILE"
  echo "cost-optimizer-agent: stopped"
}

rotate_log() {
  [ -f "$LOG" ] || return 0
  size=$(wc -c <"$LOG" | tr -d ' ')
  [ "$size" -le "$LOG_MAX_BYTES" ] || mv -f "$LOG" "$LOG.1"
}

on_signal() {
  log "stopping"
  [ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null || true
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  rm -f "$CHILDFILE"
  exit 0
}

# The agent runs as a background child so that TERM interrupts `wait` at once; restarts back off to 60 s.
run() {
  child=''
  sleeper=''
  trap on_signal TERM INT
  echo "$$" >"$PIDFILE"
  log "started (pid $$)"
  delay=1
  while :; do
    rotate_log
    started=$(date +%s)
    "$RUN" >>"$LOG" 2>&1 </dev/null &
    child=$!
    echo "$child" >"$CHILDFILE"
    rc=0
    wait "$child" || rc=$?
    child=''
    if [ $(($(date +%s) - started)) -ge 60 ]; then delay=1; fi
    log "agent exited with status $rc; restarting in $delay s"
    sleep "$delay" &
    sleeper=$!
    wait "$sleeper" || true
    sleeper=''
    delay=$((delay * 2))
    [ "$delay" -le 60 ] || delay=60
  done
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  restart) stop && start ;;
  status)
    if pid=$(running_pid); then echo "cost-optimizer-agent: running (pid $pid)"; else echo "cost-optimizer-agent: not running"; exit 3; fi
    ;;
  run) run ;;
  *) echo "usage: $0 start|stop|restart|status|run" >&2; exit 2 ;;
esac
