#!/usr/bin/env bash
# RabbitMQ (Debian's rabbitmq-server) on 127.0.0.1:5672 only, as the Celery broker for
# `clerk worker`: vhost `clerk`, user `clerk` (password CLERK_BROKER_PASSWORD from
# sandbox/credentials.sh). Idempotent; as root. No systemd needed: the node runs detached.
#
#   bash sandbox/rabbitmq-up.sh      # prints the broker URL (without the password)
#   bash sandbox/rabbitmq-down.sh    # stops the node if this script started it
set -euo pipefail
cd "$(dirname "$0")"
. ./credentials.sh
STATE=/run/clerk-rabbitmq
VHOST=clerk
USER_NAME=clerk
PORT="${CLERK_BROKER_PORT:-5672}"
log() { echo "[rabbitmq-up] $*" >&2; }

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
mkdir -p "$STATE"
export DEBIAN_FRONTEND=noninteractive

if ! dpkg -s rabbitmq-server 2>/dev/null | grep -q '^Status: install ok installed'; then
  log "installing rabbitmq-server (apt)"
  apt-get install -y --no-install-recommends rabbitmq-server >/dev/null 2>&1 || {
    apt-get update >/dev/null && apt-get install -y --no-install-recommends rabbitmq-server >/dev/null; }
fi

# loopback only: AMQP, the Erlang distribution port and epmd
cat > /etc/rabbitmq/rabbitmq.conf <<CONF
listeners.tcp.1 = 127.0.0.1:$PORT
loopback_users.guest = true
CONF
cat > /etc/rabbitmq/rabbitmq-env.conf <<'CONF'
NODENAME=rabbit@localhost
NODE_IP_ADDRESS=127.0.0.1
ERL_EPMD_ADDRESS=127.0.0.1
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CONF
export ERL_EPMD_ADDRESS=127.0.0.1

ctl() { su rabbitmq -s /bin/sh -c "ERL_EPMD_ADDRESS=127.0.0.1 rabbitmqctl -n rabbit@localhost $*"; }
if ! ctl status >/dev/null 2>&1; then
  log "starting the RabbitMQ node rabbit@localhost on 127.0.0.1:$PORT"
  su rabbitmq -s /bin/sh -c "ERL_EPMD_ADDRESS=127.0.0.1 rabbitmq-server -detached" >/dev/null 2>&1
  echo started > "$STATE/started"
  # -detached returns before the node registers with epmd: await_startup alone fails then
  for _ in $(seq 120); do ctl status >/dev/null 2>&1 && break; sleep 1; done
  ctl "await_startup --timeout 120" >/dev/null || {
    tail -n 40 /var/log/rabbitmq/rabbit@localhost.log >&2; exit 1; }
fi

ctl "list_vhosts -q" | grep -qx "$VHOST" || ctl "add_vhost $VHOST" >/dev/null
if ctl "list_users -q" | awk '{print $1}' | grep -qx "$USER_NAME"; then
  # the password on stdin (--no-input reads nothing from argv), never on a command line
  printf '%s' "$CLERK_BROKER_PASSWORD" | su rabbitmq -s /bin/sh -c \
    "ERL_EPMD_ADDRESS=127.0.0.1 rabbitmqctl -n rabbit@localhost change_password $USER_NAME" >/dev/null
else
  printf '%s' "$CLERK_BROKER_PASSWORD" | su rabbitmq -s /bin/sh -c \
    "ERL_EPMD_ADDRESS=127.0.0.1 rabbitmqctl -n rabbit@localhost add_user $USER_NAME" >/dev/null
fi
ctl "set_permissions -p $VHOST $USER_NAME '.*' '.*' '.*'" >/dev/null
echo "broker: amqp://$USER_NAME@127.0.0.1:$PORT/$VHOST (password: CLERK_BROKER_PASSWORD from sandbox/credentials.sh)"
