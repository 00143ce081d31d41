#!/bin/sh
# testapp entrypoint: serves /www over HTTP on $PORT (8080) with busybox httpd, the index page
# naming the container's hostname (the pod name), so a client can tell which pod answered.
# httpd runs as a child: as PID 1 it would ignore SIGTERM and every pod deletion would wait for
# the grace period; the trap stops it at once.
echo "testapp $(hostname)" > /www/index.html 2>/dev/null || true
/bin/busybox httpd -f -v -p "${PORT:-8080}" -h /www &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid"; exit 0' TERM INT
wait "$pid"
