#!/usr/bin/env bash
# The test suite needs PostgreSQL and Redis. Start them when they are installed here but down
# (as root); fail with a clear message otherwise.
set -uo pipefail
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
if ! pg_up && [ "$(id -u)" -eq 0 ] && command -v pg_ctlcluster >/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
  for _ in $(seq 20); do pg_up && break; sleep 0.5; done
fi
if ! redis_up && [ "$(id -u)" -eq 0 ] && command -v redis-server >/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp --logfile /tmp/frontdesk-redis.log || true
  for _ in $(seq 20); do redis_up && break; sleep 0.5; done
fi
ok=0
pg_up || { echo "PostgreSQL is not answering on 127.0.0.1:5432 (the tests need it)" >&2; ok=1; }
redis_up || { echo "Redis is not answering on 127.0.0.1:6379 (the tests need it)" >&2; ok=1; }
exit $ok
