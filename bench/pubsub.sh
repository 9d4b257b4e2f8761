#!/usr/bin/env bash
# bench/pubsub.sh — PUBLISH to many subscribers (or any one command, see
# CMD), enclavekv vs redis-server.
#
# Starts both servers on free 127.0.0.1 ports; for each, SUBS redis-cli
# processes SUBSCRIBE to one channel, then redis-benchmark sends
# `PUBLISH bench:ch <16 bytes>` from 50 clients. Rounds alternate the order of
# the servers; prints the median requests/s, the server's CPU time and write
# system calls per PUBLISH (from /proc), and the enclavekv/redis ratio.
# Issue 6's target: ratio >= 1.0 with 50 subscribers.
#
# Environment: ROUNDS=3 N=200000 SUBS=50 ENCLAVEKV_BIN=path
#   CMD="PUBLISH bench:ch 0123456789abcdef"   the command redis-benchmark sends
#   SETUP="SCRIPT LOAD 'return 1'"            a redis-cli command run on both first
# Issue 6's script target (>= 0.7):
#   SUBS=0 SETUP="SCRIPT LOAD 'return 1'" CMD="EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db 0" bench/pubsub.sh
set -euo pipefail
ROUNDS=${ROUNDS:-3}
N=${N:-200000}
SUBS=${SUBS:-50}
CMD=${CMD:-PUBLISH bench:ch 0123456789abcdef}
SETUP=${SETUP:-}
for tool in redis-server redis-benchmark redis-cli; do
	command -v "$tool" >/dev/null || { echo "pubsub.sh: $tool not found on PATH" >&2; exit 1; }
done
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/enclavekv-pubsub.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

ekv=${ENCLAVEKV_BIN:-}
if [[ -z "$ekv" ]]; then
	(cd "$repo" && go build -o "$work/enclavekv-server" ./cmd/enclavekv-server)
	ekv=$work/enclavekv-server
fi
rport=$(free_port); eport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --logfile '' >"$work/redis.log" 2>&1 &
rpid=$!
pids+=($!)
mkdir -p "$work/ekv"
"$ekv" --port "$eport" --bind 127.0.0.1 --save '' --dir "$work/ekv" >"$work/ekv.log" 2>&1 &
epid=$!
pids+=($!)
for p in "$rport" "$eport"; do
	for _ in $(seq 50); do redis-cli -p "$p" PING >/dev/null 2>&1 && break; sleep 0.1; done
done
for p in "$rport" "$eport"; do
	for _ in $(seq "$SUBS"); do
		redis-cli -p "$p" SUBSCRIBE bench:ch >/dev/null 2>&1 &
		pids+=($!)
	done
done
if [[ -n "$SETUP" ]]; then
	for p in "$rport" "$eport"; do
		eval "redis-cli -p $p $SETUP" >/dev/null
	done
fi
sleep 1
declare -A rps=() cpu=() wr=()
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
syscw() { awk '/^syscw/ {print $2}' "/proc/$1/io"; }
hz=$(getconf CLK_TCK)
run() { # port -> rps
	# shellcheck disable=SC2086 # CMD is words on purpose
	redis-benchmark -p "$1" -c 50 -n "$N" -q $CMD 2>/dev/null |
		tr '\r' '\n' | awk '/requests per second/ { for (i = 2; i <= NF; i++) if ($i == "requests") v = $(i - 1) } END { print v }'
}
for r in $(seq "$ROUNDS"); do
	order="redis enclavekv"
	((r % 2 == 0)) && order="enclavekv redis"
	for s in $order; do
		p=$rport pid=$rpid
		[[ $s == enclavekv ]] && p=$eport pid=$epid
		n=$(redis-cli -p "$p" PUBLISH bench:ch check)
		t0=$(ticks "$pid") w0=$(syscw "$pid")
		v=$(run "$p")
		t1=$(ticks "$pid") w1=$(syscw "$pid")
		c=$(awk -v d=$((t1 - t0)) -v hz="$hz" -v n="$N" 'BEGIN { printf "%.1f", d * 1e6 / hz / n }')
		x=$(awk -v d=$((w1 - w0)) -v n="$N" 'BEGIN { printf "%.2f", d / n }')
		echo "round $r $s: $v requests/s, $c µs CPU and $x writes per request ($n subscribers)" >&2
		rps[$s]+="$v " cpu[$s]+="$c " wr[$s]+="$x "
	done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
r=$(echo "${rps[redis]}" | median)
e=$(echo "${rps[enclavekv]}" | median)
awk -v r="$r" -v e="$e" -v s="$SUBS" -v cmd="${CMD%% *}" 'BEGIN { printf "%s (%d subscribers), -c 50: redis %.0f rps, enclavekv %.0f rps, ratio %.2f\n", cmd, s, r, e, e / r }'
echo "CPU µs per request: redis $(echo "${cpu[redis]}" | median), enclavekv $(echo "${cpu[enclavekv]}" | median); writes per request: redis $(echo "${wr[redis]}" | median), enclavekv $(echo "${wr[enclavekv]}" | median)"
