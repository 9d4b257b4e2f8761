#!/usr/bin/env bash
# bench/compare.sh — enclavekv vs redis-server, side by side on loopback.
#
# Builds ./cmd/enclavekv-server, starts it and `redis-server --save ''
# --appendonly no` on free 127.0.0.1 ports, and runs the same redis-benchmark
# workloads against both, alternating the two servers test by test (the
# order flips every round) because the machine is noisy. Prints medians over
# the rounds of requests/s, p50/p99 latency and server CPU time per request,
# the enclavekv/redis ratios, and memory per key after loading MEMKEYS keys
# with 32-byte values. See docs/performance.md.
#
# Environment:
#   ROUNDS=5        rounds (each round runs every workload once per server)
#   N=200000        requests per test at -c 50 (with and without -P 16)
#   N1=50000        requests per test at -c 1 (latency)
#   MEMKEYS=1000000 keys loaded with redis-cli --pipe for the memory figures
#   QUICK=1         smoke run: ROUNDS=1 N=20000 N1=5000 MEMKEYS=100000
#   TESTS=ping_inline,ping_mbulk,set,get,incr,mset   redis-benchmark -t names
#   COMMANDS='label=CMD ARGS;...'  more tests, each one command redis-benchmark
#                   sends as given (with -r 1000000 for __rand_int__), e.g.
#                   COMMANDS='xadd=XADD s * f v;xread=XREAD COUNT 10 STREAMS s 0'
#   SETUP='CMD;...' redis-cli commands run on each server once it starts
#                   (data the COMMANDS read), e.g. an EVAL filling keys
#   CONFIGS=c50,c50_P16,c1   which client set-ups to run (a subset for a quick look)
#   RESULTS=path    also keep the raw per-run measurements (TSV) there
#   ENCLAVEKV_BIN=path  use this binary instead of building one
#   REDIS_SERVER=redis-server  REDIS_BENCHMARK=redis-benchmark  REDIS_CLI=redis-cli
#
# Needs bash, awk, sort, timeout, getconf and /proc; nothing else.
set -euo pipefail

if [[ "${QUICK:-0}" == 1 ]]; then
	ROUNDS=${ROUNDS:-1} N=${N:-20000} N1=${N1:-5000} MEMKEYS=${MEMKEYS:-100000}
fi
ROUNDS=${ROUNDS:-5}
N=${N:-200000}
N1=${N1:-50000}
MEMKEYS=${MEMKEYS:-1000000}
TESTS=${TESTS:-ping_inline,ping_mbulk,set,get,incr,mset}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_BENCHMARK=${REDIS_BENCHMARK:-redis-benchmark}
REDIS_CLI=${REDIS_CLI:-redis-cli}
HOST=127.0.0.1
RUN_TIMEOUT=${RUN_TIMEOUT:-600}

for tool in "$REDIS_SERVER" "$REDIS_BENCHMARK" "$REDIS_CLI" awk sort timeout getconf; do
	command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found on PATH" >&2; exit 1; }
done
CLK_TCK=$(getconf CLK_TCK)

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/enclavekv-bench.XXXXXX")
declare -A PID=() PORT=()

cleanup() {
	local s p
	for s in "${!PID[@]}"; do
		p=${PID[$s]}
		if kill -0 "$p" 2>/dev/null; then
			kill -TERM "$p" 2>/dev/null || true
			for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
			kill -KILL "$p" 2>/dev/null || true
		fi
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '%s\n' "$*" >&2; }

# ---------------------------------------------------------------- build
if [[ -n "${ENCLAVEKV_BIN:-}" ]]; then
	ekv_bin=$ENCLAVEKV_BIN
else
	log "building ./cmd/enclavekv-server ..."
	(cd "$repo" && go build -o "$work/enclavekv-server" ./cmd/enclavekv-server)
	ekv_bin=$work/enclavekv-server
fi
ekv_rev=$(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(cd "$repo" && git status --porcelain -- . 2>/dev/null | grep -v '^??' || true)" ]]; then
	ekv_rev="$ekv_rev+dirty"
fi

# ---------------------------------------------------------------- servers
port_in_use() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# start_server NAME: starts redis or enclavekv on a free port, waits for PONG.
start_server() {
	local s=$1 attempt port p
	for attempt in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		port_in_use "$port" && continue
		case $s in
		redis) "$REDIS_SERVER" --port "$port" --bind "$HOST" --save '' --appendonly no \
			--daemonize no --logfile '' >"$work/$s.log" 2>&1 &
			;;
		enclavekv) "$ekv_bin" --port "$port" --bind "$HOST" --save '' --appendonly no \
			>"$work/$s.log" 2>&1 &
			;;
		esac
		p=$!
		PID[$s]=$p PORT[$s]=$port
		for _ in $(seq 1 100); do
			if ! kill -0 "$p" 2>/dev/null; then break; fi
			if [[ "$("$REDIS_CLI" -h "$HOST" -p "$port" PING 2>/dev/null)" == PONG ]]; then
				log "$s: pid $p, $HOST:$port"
				return 0
			fi
			sleep 0.1
		done
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
		unset "PID[$s]"
		log "$s did not start on port $port; retrying. Its log:"
		tail -n 5 "$work/$s.log" >&2 || true
	done
	log "compare.sh: could not start $s"
	exit 1
}

stop_server() {
	local s=$1 p=${PID[$1]:-}
	[[ -z "$p" ]] && return 0
	kill -TERM "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	unset "PID[$s]"
}

alive() {
	if ! kill -0 "${PID[$1]}" 2>/dev/null; then
		log "compare.sh: $1 (pid ${PID[$1]}) died. Its log:"
		tail -n 20 "$work/$1.log" >&2 || true
		exit 1
	fi
}

# cpu_ticks PID: utime+stime of the whole process (all threads), in clock ticks.
cpu_ticks() {
	local stat
	stat=$(<"/proc/$1/stat")
	stat=${stat##*) } # drop "pid (comm) "; comm may hold spaces
	awk '{ print $12 + $13 }' <<<"$stat"
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
used_memory() {
	local out
	out=$("$REDIS_CLI" -h "$HOST" -p "${PORT[$1]}" INFO memory 2>/dev/null | tr -d '\r' |
		awk -F: '$1 == "used_memory" { print $2 }') || true
	[[ "$out" =~ ^[0-9]+$ ]] && echo "$out" || echo n/a
}

# ---------------------------------------------------------------- throughput and latency
raw=$work/raw.tsv
printf 'round\tserver\tconfig\ttest\trequests\trps\tavg_ms\tp50_ms\tp95_ms\tp99_ms\tmax_ms\tcpu_us_per_req\n' >"$raw"

# bench ROUND SERVER CONFIG TEST REQUESTS ARGS...: one redis-benchmark run, one TSV row.
bench() {
	local round=$1 s=$2 config=$3 t=$4 n=$5
	shift 5
	alive "$s"
	local before after out
	before=$(cpu_ticks "${PID[$s]}")
	local what=(-t "$t")
	if [[ -n "${CMD[$t]:-}" ]]; then
		local words
		read -r -a words <<<"${CMD[$t]}"
		what=(-r 1000000 "${words[@]}")
	fi
	if ! out=$(timeout "$RUN_TIMEOUT" "$REDIS_BENCHMARK" -h "$HOST" -p "${PORT[$s]}" \
		-n "$n" "$@" --csv "${what[@]}" 2>>"$work/benchmark.err"); then
		log "compare.sh: redis-benchmark $t ($config) against $s failed or timed out; run skipped"
		return 0
	fi
	after=$(cpu_ticks "${PID[$s]}")
	awk -F, -v round="$round" -v s="$s" -v config="$config" -v t="$t" -v n="$n" \
		-v ticks=$((after - before)) -v hz="$CLK_TCK" '
		# The LRANGE tests first print a line for the LPUSH that fills the
		# list: the test itself is the last line (its CPU figure includes
		# the fill).
		NR > 1 {
			gsub(/"/, "")
			# test,rps,avg,min,p50,p95,p99,max
			row = sprintf("%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.3f",
				round, s, config, t, n, $2, $3, $5, $6, $7, $8, ticks * 1e6 / hz / n)
			rows++
		}
		END { if (rows < 1) exit 1; print row }' <<<"$out" >>"$raw" ||
		log "compare.sh: unexpected redis-benchmark output for $t ($config) against $s: $out"
}

IFS=, read -r -a configs <<<"${CONFIGS:-c50,c50_P16,c1}"
config_args() {
	case $1 in
	c50) echo "$N -c 50" ;;
	c50_P16) echo "$N -c 50 -P 16" ;;
	c1) echo "$N1 -c 1" ;;
	esac
}
config_label() {
	case $1 in
	c50) echo "-c 50, no pipelining, -n $N" ;;
	c50_P16) echo "-c 50 -P 16, -n $N" ;;
	c1) echo "-c 1 (latency), -n $N1" ;;
	esac
}
IFS=, read -r -a tests <<<"$TESTS"
declare -A CMD=()
if [[ -n "${COMMANDS:-}" ]]; then
	IFS=';' read -r -a specs <<<"$COMMANDS"
	for spec in "${specs[@]}"; do
		CMD[${spec%%=*}]=${spec#*=}
		tests+=("${spec%%=*}")
	done
fi

start_server redis
start_server enclavekv
if [[ -n "${SETUP:-}" ]]; then
	IFS=';' read -r -a setup <<<"$SETUP"
	for s in redis enclavekv; do
		for line in "${setup[@]}"; do
			"$REDIS_CLI" -h "$HOST" -p "${PORT[$s]}" <<<"$line" >/dev/null
		done
	done
fi

log "warming up ..."
for s in redis enclavekv; do
	"$REDIS_BENCHMARK" -h "$HOST" -p "${PORT[$s]}" -t set,get -n 20000 -c 50 -q >/dev/null 2>&1 || true
done

started=$(date +%s)
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r % 2)); then order=(redis enclavekv); else order=(enclavekv redis); fi
	log "round $r/$ROUNDS (order: ${order[*]}) ..."
	for c in "${configs[@]}"; do
		# shellcheck disable=SC2207
		args=($(config_args "$c"))
		for t in "${tests[@]}"; do
			for s in "${order[@]}"; do
				bench "$r" "$s" "$c" "$t" "${args[@]}"
			done
		done
	done
done
elapsed=$(($(date +%s) - started))

stop_server redis
stop_server enclavekv

# ---------------------------------------------------------------- memory
log "generating $MEMKEYS SET commands with 32-byte values ..."
awk -v n="$MEMKEYS" 'BEGIN {
	for (i = 1; i <= n; i++) {
		k = "key:" i
		printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$32\r\nv%031d\r\n", length(k), k, i
	}
}' >"$work/load.resp"

mem=$work/mem.tsv
: >"$mem"
for s in redis enclavekv; do
	start_server "$s"
	sleep 1
	base_rss=$(rss_kb "${PID[$s]}")
	base_used=$(used_memory "$s")
	log "$s: loading $MEMKEYS keys with redis-cli --pipe ..."
	pipe_out=$("$REDIS_CLI" -h "$HOST" -p "${PORT[$s]}" --pipe <"$work/load.resp" 2>&1) || true
	alive "$s"
	loaded=$(awk -v n="$MEMKEYS" '/errors:/ { gsub(/,/, ""); for (i = 1; i < NF; i++) { if ($i == "replies:") r = $(i + 1); if ($i == "errors:") e = $(i + 1) } }
		END { if (e != "" && e == 0 && r == n) print "ok"; else print "errors=" e " replies=" r }' <<<"$pipe_out")
	[[ "$loaded" == ok ]] || log "compare.sh: $s: redis-cli --pipe reported: $pipe_out"
	sleep 2 # let the allocator / Go GC settle
	rss=$(rss_kb "${PID[$s]}")
	used=$(used_memory "$s")
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$base_rss" "$rss" "$base_used" "$used" "$loaded" >>"$mem"
	stop_server "$s"
done

[[ -n "${RESULTS:-}" ]] && cp "$raw" "$RESULTS" && log "raw measurements: $RESULTS"

# ---------------------------------------------------------------- report
# medians: server config test metric -> median over rounds
medians=$work/medians.tsv
awk -F'\t' 'NR > 1 {
	k = $2 "\t" $3 "\t" $4
	print k "\trps\t" $6; print k "\tp50\t" $8; print k "\tp99\t" $10; print k "\tcpu\t" $12
}' "$raw" | sort -t$'\t' -k1,1 -k2,2 -k3,3 -k4,4 -k5,5g |
	awk -F'\t' '
	function flush() { if (cnt) { m = (cnt % 2) ? v[(cnt + 1) / 2] : (v[cnt / 2] + v[cnt / 2 + 1]) / 2; print key "\t" m "\t" cnt } }
	{ k = $1 "\t" $2 "\t" $3 "\t" $4; if (k != key) { flush(); key = k; cnt = 0 } v[++cnt] = $5 }
	END { flush() }' >"$medians"

echo
echo "enclavekv ($ekv_rev) vs $("$REDIS_SERVER" --version | awk '{print $3}' | tr -d 'v=') — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r)"
echo "medians over $ROUNDS round(s), servers alternated test by test; ratio = enclavekv/redis (ratio of medians); ${elapsed}s of benchmarking"
echo "rps: requests/s (higher is better); p50/p99: latency in ms; cpu: server CPU µs per request (utime+stime)"

awk -F'\t' -v configs="${configs[*]}" -v tests="${tests[*]}" \
	-v l_c50="$(config_label c50)" -v l_c50_P16="$(config_label c50_P16)" -v l_c1="$(config_label c1)" '
	{ m[$1, $2, $3, $4] = $5 }
	function get(s, c, t, x) { return ((s, c, t, x) in m) ? m[s, c, t, x] : "" }
	function num(v, f) { return v == "" ? "n/a" : sprintf(f, v) }
	function ratio(a, b) { return (a == "" || b == "" || a + 0 == 0) ? "n/a" : sprintf("%.2f", b / a) }
	BEGIN { label["c50"] = l_c50; label["c50_P16"] = l_c50_P16; label["c1"] = l_c1 }
	END {
		nc = split(configs, C, " "); nt = split(tests, T, " ")
		for (i = 1; i <= nc; i++) {
			c = C[i]
			printf "\n== %s ==\n", label[c]
			printf "%-12s %10s %10s %6s | %6s %6s | %6s %6s %6s | %7s %7s %6s\n",
				"test", "rps:redis", "rps:ekv", "ratio", "p50:r", "p50:e", "p99:r", "p99:e", "ratio", "cpu:r", "cpu:e", "ratio"
			for (j = 1; j <= nt; j++) {
				t = T[j]
				printf "%-12s %10s %10s %6s | %6s %6s | %6s %6s %6s | %7s %7s %6s\n", t,
					num(get("redis", c, t, "rps"), "%.0f"), num(get("enclavekv", c, t, "rps"), "%.0f"),
					ratio(get("redis", c, t, "rps"), get("enclavekv", c, t, "rps")),
					num(get("redis", c, t, "p50"), "%.3f"), num(get("enclavekv", c, t, "p50"), "%.3f"),
					num(get("redis", c, t, "p99"), "%.3f"), num(get("enclavekv", c, t, "p99"), "%.3f"),
					ratio(get("redis", c, t, "p99"), get("enclavekv", c, t, "p99")),
					num(get("redis", c, t, "cpu"), "%.2f"), num(get("enclavekv", c, t, "cpu"), "%.2f"),
					ratio(get("redis", c, t, "cpu"), get("enclavekv", c, t, "cpu"))
			}
		}
	}' "$medians"

echo
echo "== memory after loading $MEMKEYS keys (key:N -> 32-byte value), minus the empty server =="
awk -F'\t' -v n="$MEMKEYS" '
	{ s[$1] = 1; brss[$1] = $2; rss[$1] = $3; bused[$1] = $4; used[$1] = $5; ok[$1] = $6 }
	function perkey_rss(x) { return (x in rss) ? (rss[x] - brss[x]) * 1024 / n : "" }
	function perkey_used(x) { return ((x in used) && used[x] != "n/a" && bused[x] != "n/a") ? (used[x] - bused[x]) / n : "" }
	function f(v, fmt) { return v == "" ? "n/a" : sprintf(fmt, v) }
	function ratio(a, b) { return (a == "" || b == "" || a + 0 == 0) ? "n/a" : sprintf("%.2f", b / a) }
	END {
		printf "%-22s %12s %12s %8s\n", "", "redis", "enclavekv", "ratio"
		printf "%-22s %12s %12s\n", "RSS empty (MiB)", f(brss["redis"] / 1024, "%.1f"), f(brss["enclavekv"] / 1024, "%.1f")
		printf "%-22s %12s %12s\n", "RSS loaded (MiB)", f(rss["redis"] / 1024, "%.1f"), f(rss["enclavekv"] / 1024, "%.1f")
		printf "%-22s %12s %12s %8s\n", "RSS bytes/key", f(perkey_rss("redis"), "%.1f"), f(perkey_rss("enclavekv"), "%.1f"),
			ratio(perkey_rss("redis"), perkey_rss("enclavekv"))
		printf "%-22s %12s %12s %8s\n", "used_memory bytes/key", f(perkey_used("redis"), "%.1f"), f(perkey_used("enclavekv"), "%.1f"),
			ratio(perkey_used("redis"), perkey_used("enclavekv"))
		printf "%-22s %12s %12s\n", "load (--pipe)", ok["redis"], ok["enclavekv"]
		rr = ratio(perkey_rss("redis"), perkey_rss("enclavekv"))
		print rr > "/dev/stderr"
	}' "$mem" 2>"$work/rss_ratio"

# ---------------------------------------------------------------- targets
echo
echo "== targets (issue 2) =="
awk -F'\t' -v rssratio="$(cat "$work/rss_ratio")" '
	{ m[$1, $2, $3, $4] = $5; have[$2, $3] = 1 }
	function r(c, t, x) { return (("redis", c, t, x) in m && ("enclavekv", c, t, x) in m && m["redis", c, t, x] + 0 > 0) ? m["enclavekv", c, t, x] / m["redis", c, t, x] : "" }
	function check(what, v, op, lim) {
		if (v == "") { printf "  %-44s %8s  n/a\n", what, "n/a"; return }
		ok = (op == ">=") ? (v >= lim) : (v <= lim)
		printf "  %-44s %8.2f  %s (target %s %.1f)\n", what, v, ok ? "MET " : "MISSED", op, lim
	}
	END {
		check("SET rps ratio, -c 50", r("c50", "set", "rps"), ">=", 1.0)
		check("GET rps ratio, -c 50", r("c50", "get", "rps"), ">=", 1.0)
		check("SET rps ratio, -c 50 -P 16", r("c50_P16", "set", "rps"), ">=", 0.8)
		check("GET rps ratio, -c 50 -P 16", r("c50_P16", "get", "rps"), ">=", 0.8)
		nc = split("c50 c50_P16 c1", C, " ")
		for (i = 1; i <= nc; i++) {
			worst = ""; wt = ""
			for (k in have) {
				split(k, kk, SUBSEP); if (kk[1] != C[i]) continue
				v = r(C[i], kk[2], "p99"); if (v != "" && (worst == "" || v > worst)) { worst = v; wt = kk[2] }
			}
			check("worst p99 ratio, " C[i] " (" wt ")", worst, "<=", 1.5)
		}
		check("RSS per key ratio", rssratio == "n/a" ? "" : rssratio, "<=", 2.0)
	}' "$medians"
