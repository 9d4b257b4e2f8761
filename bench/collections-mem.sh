#!/usr/bin/env bash
# Memory of small collections, enclavekv next to redis-server: 100,000
# hashes of 10 small fields and 100,000 sorted sets of 10 members (the
# issue 4 targets: within 1.5x of Redis), loaded with redis-cli --pipe into
# each server started empty; prints used_memory and RSS growth per key and
# the enclavekv/redis ratios.
#
#   KEYS=100000  ENCLAVEKV_BIN=path  REDIS_SERVER=redis-server  REDIS_CLI=redis-cli
set -euo pipefail
KEYS=${KEYS:-100000}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_CLI=${REDIS_CLI:-redis-cli}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/enclavekv-mem.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

bin=${ENCLAVEKV_BIN:-}
if [[ -z "$bin" ]]; then
	bin="$work/enclavekv-server"
	(cd "$repo" && go build -o "$bin" ./cmd/enclavekv-server)
fi
export ENCLAVEKV_SIM_PLATFORM_SECRET="$work/sim-platform-secret"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# gen TYPE: the RESP commands that build KEYS collections.
gen() {
	awk -v n="$KEYS" -v type="$1" 'function bulk(s) { printf "$%d\r\n%s\r\n", length(s), s }
	BEGIN {
		for (i = 0; i < n; i++) {
			if (type == "hash") { printf "*22\r\n"; bulk("HSET"); bulk("hash:" i) }
			else { printf "*22\r\n"; bulk("ZADD"); bulk("zset:" i) }
			for (j = 0; j < 10; j++) {
				if (type == "hash") { bulk("field" j); bulk("value-" i "-" j) }
				else { bulk(j * 1.5); bulk("member-" i "-" j) }
			}
		}
	}'
}

# measure NAME CMD...: start the server, load each type, print figures.
measure() {
	local name=$1; shift
	local port; port=$(free_port)
	"$@" --port "$port" --bind 127.0.0.1 --save "" --appendonly no >"$work/$name.log" 2>&1 &
	pids+=($!)
	local pid=$!
	for _ in $(seq 1 100); do "$REDIS_CLI" -p "$port" PING >/dev/null 2>&1 && break; sleep 0.05; done
	for type in hash zset; do
		# MEMORY PURGE returns freed memory (enclavekv: a garbage
		# collection), so that each figure counts only live data.
		"$REDIS_CLI" -p "$port" FLUSHALL >/dev/null
		"$REDIS_CLI" -p "$port" MEMORY PURGE >/dev/null
		sleep 0.5
		local um0 rss0 um1 rss1
		um0=$("$REDIS_CLI" -p "$port" INFO memory | awk -F: '/^used_memory:/{print $2+0}')
		rss0=$(awk '/VmRSS/{print $2*1024}' "/proc/$pid/status")
		gen "$type" | "$REDIS_CLI" -p "$port" --pipe >/dev/null
		"$REDIS_CLI" -p "$port" MEMORY PURGE >/dev/null
		sleep 0.5
		um1=$("$REDIS_CLI" -p "$port" INFO memory | awk -F: '/^used_memory:/{print $2+0}')
		rss1=$(awk '/VmRSS/{print $2*1024}' "/proc/$pid/status")
		echo "$name $type $(( (um1-um0)/KEYS )) $(( (rss1-rss0)/KEYS ))"
	done
	"$REDIS_CLI" -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
}

{
	measure redis "$REDIS_SERVER"
	measure enclavekv "$bin"
} >"$work/figures"
echo "== memory per key: $KEYS collections of 10 small elements (bytes)"
awk '{ um[$1" "$2]=$3; rss[$1" "$2]=$4 }
END {
	printf "%-6s %12s %12s %7s | %10s %10s %7s\n", "type", "used:redis", "used:ekv", "ratio", "rss:redis", "rss:ekv", "ratio"
	split("hash zset", t, " ")
	for (i = 1; i <= 2; i++) {
		r = "redis " t[i]; e = "enclavekv " t[i]
		printf "%-6s %12d %12d %7.2f | %10d %10d %7.2f\n", t[i], um[r], um[e], um[e]/um[r], rss[r], rss[e], rss[e]/rss[r]
	}
}' "$work/figures"
