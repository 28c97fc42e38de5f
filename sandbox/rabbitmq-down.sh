#!/usr/bin/env bash
# Stop the RabbitMQ node that rabbitmq-up.sh started (users, vhost and queues are kept).
set -uo pipefail
STATE=/run/clerk-rabbitmq
if [ -f "$STATE/started" ]; then
  su rabbitmq -s /bin/sh -c "ERL_EPMD_ADDRESS=127.0.0.1 rabbitmqctl -n rabbit@localhost stop" >/dev/null \
    && echo "[rabbitmq-down] rabbit@localhost stopped"
  rm -f "$STATE/started"
else
  echo "[rabbitmq-down] RabbitMQ was not started by rabbitmq-up.sh: left running"
fi
