# Stop a daemon by the PID file its up script wrote: TERM, up to 10 s to exit, then KILL.
# Sourced by the *-down.sh scripts.
#
#   . ./pidfile.sh
#   stop_pidfile "[rt-down]" rt-server /run/rt-peer/rt-server.pid

stop_pidfile() {  # tag name pidfile
  local tag="$1" name="$2" pidfile="$3" pid
  if [ ! -f "$pidfile" ]; then
    echo "$tag no $pidfile: $name was not started by its up script"
    return 0
  fi
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"   # a Starman/Starlet master stops its workers itself
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "$tag $name ($pid) stopped"
  else
    echo "$tag $name not running (stale pid $pid)"
  fi
  rm -f "$pidfile"
}
