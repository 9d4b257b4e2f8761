package script

import (
	"strconv"
	"strings"
	"testing"

	"github.com/enclavekv/enclavekv/internal/resp"
)

// diffCase is one script run on both the real Redis and the engine.
type diffCase struct {
	name   string
	script string
	keys   []string
	args   []string
	proto  int        // client protocol; 0 means 2
	setup  [][]string // commands run on Redis before each side runs
	// knownDiff, when set, explains why the engine cannot match Redis yet;
	// a mismatch is then logged instead of failing the test.
	knownDiff string
}

// diffCases cover the conversions both ways, errors, the sandbox and the
// libraries. Scripts that use math.random seed it first, because the real
// server's generator state depends on everything it ran before.
var diffCases = []diffCase{
	// Lua -> RESP.
	{name: "int", script: "return 42"},
	{name: "negative float truncates", script: "return -3.99"},
	{name: "float truncates", script: "return 3.99"},
	{name: "huge number", script: "return 1e300"},
	{name: "nan", script: "return 0/0"},
	{name: "string", script: "return 'hello'"},
	{name: "binary string", script: "return 'a\\0b\\r\\n'"},
	{name: "true", script: "return true"},
	{name: "false", script: "return false"},
	{name: "nil", script: "return nil"},
	{name: "no value", script: "return"},
	{name: "two values", script: "return 'a', 'b'"},
	{name: "array stops at nil", script: "return {1,2,nil,4}"},
	{name: "nested", script: "return {1,{2,{3}},'x',true,false}"},
	{name: "hash table is empty array", script: "return {x=1}"},
	{name: "ok", script: "return {ok='FINE'}"},
	{name: "ok newlines", script: "return {ok='a\\r\\nb'}"},
	{name: "err", script: "return {err='My Error'}"},
	{name: "err first", script: "return {ok='a', err='b'}"},
	{name: "err newlines", script: "return {err='x\\r\\ny\\n'}"},
	{name: "err empty", script: "return {err=''}"},
	{name: "err not string", script: "return {err=1}"},
	{name: "double", script: "return {double=1.5}"},
	{name: "double int", script: "return {double=3}"},
	{name: "double small", script: "return {double=0.1}"},
	{name: "double inf", script: "return {double=1/0}"},
	{name: "double not number", script: "return {double='x'}"},
	{name: "big number", script: "return {big_number='123456789012345678901234567890'}"},
	{name: "big number newline", script: "return {big_number='12\\n3'}"},
	{name: "verbatim", script: "return {verbatim_string={format='txt', string='hi'}}"},
	{name: "verbatim short format", script: "return {verbatim_string={format='x', string='hi'}}"},
	{name: "map", script: "return {map={a=1}}"},
	{name: "map empty", script: "return {map={}}"},
	{name: "set", script: "return {set={a=true}}"},
	{name: "array in map", script: "return {map={k={1,2}}}"},
	{name: "mixed array", script: "return {1, 'two', {ok='three'}, {err='four'}, false, true}"},

	// RESP3 client.
	{name: "resp3 true", script: "return true", proto: 3},
	{name: "resp3 false", script: "return false", proto: 3},
	{name: "resp3 nil", script: "return nil", proto: 3},
	{name: "resp3 double", script: "return {double=1.5}", proto: 3},
	{name: "resp3 double inf", script: "return {double=-1/0}", proto: 3},
	{name: "resp3 big number", script: "return {big_number='123'}", proto: 3},
	{name: "resp3 verbatim", script: "return {verbatim_string={format='txt', string='hi'}}", proto: 3},
	{name: "resp3 map", script: "return {map={a={1,2}}}", proto: 3},
	{name: "resp3 set", script: "return {set={x=true}}", proto: 3},
	{name: "resp3 array", script: "return {1,'a',{2}}", proto: 3},
	{name: "setresp3 true client2", script: "redis.setresp(3) return true"},
	{name: "setresp3 false client2", script: "redis.setresp(3) return false"},
	{name: "setresp3 false client3", script: "redis.setresp(3) return false", proto: 3},
	{name: "setresp3 true client3", script: "redis.setresp(3) return true", proto: 3},
	{name: "breakpoint resp3", script: "return redis.breakpoint()", proto: 3},
	{name: "debug resp3", script: "return redis.debug('x')", proto: 3},

	// RESP -> Lua through redis.call.
	{name: "call set get", script: "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])", keys: []string{"k"}, args: []string{"v"}},
	{name: "call status", script: "return redis.call('set', 'k', 'v')"},
	{name: "call status table", script: "local r = redis.call('set', 'k', 'v') return r.ok"},
	{name: "call int", script: "return redis.call('incr', 'n') + 1"},
	{name: "call null bulk", script: "local v = redis.call('get', 'nokey') return {type(v), tostring(v)}"},
	{name: "call array", script: "redis.call('rpush', 'l', 'a', 'b', 'c') return redis.call('lrange', 'l', 0, -1)"},
	{name: "call empty array", script: "return redis.call('lrange', 'nol', 0, -1)"},
	{name: "call number args", script: "redis.call('set', 'k', 0.1 + 0.2) return redis.call('get', 'k')"},
	{name: "call int arg", script: "redis.call('set', 'k', 100) return redis.call('get', 'k')"},
	{name: "call big int arg", script: "redis.call('set', 'k', 2^53) return redis.call('get', 'k')"},
	{name: "call hgetall", script: "redis.call('hset', 'h', 'f', 'v') return redis.call('hgetall', 'h')"},
	{name: "call null array", script: "local v = redis.call('geopos', 'nog', 'm') return {type(v[1]), tostring(v[1])}"},
	{name: "call error", script: "return redis.call('incr', 's')", setup: [][]string{{"set", "s", "abc"}}},
	{name: "call error line", script: "local x = 1\n\nreturn redis.call('incr', 's')", setup: [][]string{{"set", "s", "abc"}}},
	{name: "call wrongtype", script: "return redis.call('lpush', 's', 'x')", setup: [][]string{{"set", "s", "abc"}}},
	{name: "pcall error", script: "return redis.pcall('incr', 's')", setup: [][]string{{"set", "s", "abc"}}},
	{name: "pcall error text", script: "local r = redis.pcall('incr', 's') return r.err", setup: [][]string{{"set", "s", "abc"}}},
	{name: "pcall wrongtype code", script: "local r = redis.pcall('lpush', 's', 'x') return r.err", setup: [][]string{{"set", "s", "abc"}}},
	{name: "pcall wrapping call", script: "local ok, e = pcall(redis.call, 'incr', 's') return {tostring(ok), e}", setup: [][]string{{"set", "s", "abc"}}},
	{name: "pcall wrapping call in function", script: "local ok, e = pcall(function() return redis.call('incr', 's') end) return {tostring(ok), e}", setup: [][]string{{"set", "s", "abc"}}},
	{name: "call no args", script: "return redis.call()"},
	{name: "pcall no args", script: "return redis.pcall()"},
	{name: "call bad arg", script: "return redis.call('set', {})"},
	{name: "call nil arg", script: "return redis.call('get', nil)"},
	{name: "pcall bad arg", script: "return redis.pcall('set', 'k', true)"},
	{name: "call unknown", script: "return redis.call('nosuchcommand')"},
	{name: "pcall unknown", script: "return redis.pcall('nosuchcommand')"},
	{name: "call arity", script: "return redis.call('get')"},
	{name: "resp3 call map", script: "redis.setresp(3) redis.call('hset', 'h', 'f', 'v') local r = redis.call('hgetall', 'h') return r.map.f"},
	{name: "resp3 call map passthrough", script: "redis.setresp(3) redis.call('hset', 'h', 'f', 'v') return redis.call('hgetall', 'h')", proto: 3},
	{name: "resp3 call map to resp2", script: "redis.setresp(3) redis.call('hset', 'h', 'f', 'v') return redis.call('hgetall', 'h')"},
	{name: "resp3 call set", script: "redis.setresp(3) redis.call('sadd', 's', 'm') local r = redis.call('smembers', 's') return r.set.m"},
	{name: "resp3 call double", script: "redis.setresp(3) redis.call('zadd', 'z', '1.5', 'm') local r = redis.call('zscore', 'z', 'm') return {type(r), tostring(r.double)}"},
	{name: "resp3 call double passthrough", script: "redis.setresp(3) redis.call('zadd', 'z', '1.5', 'm') return redis.call('zscore', 'z', 'm')", proto: 3},
	{name: "resp3 call null", script: "redis.setresp(3) local r = redis.call('get', 'nokey') return type(r)"},
	{name: "resp3 call bool", script: "redis.setresp(3) local r = redis.call('sismember', 's', 'm') return type(r)"},
	{name: "resp3 call verbatim", script: "redis.setresp(3) local r = redis.call('lolwut', 'version', '5', '1', '1', '1') return {type(r), r.verbatim_string and r.verbatim_string.format}"},
	{name: "resp3 status", script: "redis.setresp(3) return redis.call('set', 'k', 'v')", proto: 3},
	{name: "setresp bad", script: "return redis.setresp(4)"},
	{name: "setresp none", script: "return redis.setresp()"},

	// Errors.
	{name: "arith nil", script: "return 1 + nil"},
	{name: "arith table", script: "local x = 1\nreturn 1 + {}"},
	{name: "arith string", script: "return 'a' + 1"},
	{name: "concat table", script: "return {} .. 'a'"},
	{name: "compare", script: "return nil < 1"},
	{name: "compare tables", script: "return {} < {}"},
	{name: "compare number string", script: "return 1 < 'x'"},
	{name: "index nil", script: "return (nil).x"},
	{name: "call nil", script: "return (nil)()"},
	{name: "table index nil", script: "local t = {} t[nil] = 1"},
	{name: "error string", script: "error('boom')"},
	{name: "error level 0", script: "error('boom', 0)"},
	{name: "error level 2", script: "error('boom', 2)"},
	{name: "error number", script: "error(12)"},
	{name: "error nil", script: "error()"},
	{name: "error table", script: "error({err='boom'})"},
	{name: "error table newline", script: "error({err='a\\nb\\n'})"},
	{name: "error string newline", script: "error('a\\nb')"},
	{name: "error in function", script: "local function f()\n  error('x')\nend\n\nf()"},
	{name: "error in nested function", script: "local function f()\n  local y = nil + 1\nend\nlocal function g() f() end\ng()"},
	{name: "assert", script: "assert(false)"},
	{name: "assert message", script: "assert(1 == 2, 'not equal')"},
	{name: "pcall catches", script: "local ok, e = pcall(function() error('x') end) return {tostring(ok), e}"},
	{name: "pcall catches arith", script: "local ok, e = pcall(function() return 1 + nil end) return e"},
	{name: "pcall error table", script: "local ok, e = pcall(error, {err='tbl'}) return e"},
	{name: "pcall returns values", script: "return {pcall(function() return 1, 2 end)}"},
	{name: "xpcall", script: "return {xpcall(function() error('x') end, function(m) return 'handled: ' .. m end)}"},
	{name: "error_reply", script: "return redis.error_reply('My Error')"},
	{name: "error_reply dash", script: "return redis.error_reply('-My Error')"},
	{name: "error_reply code", script: "return redis.error_reply('FOO bar\\n')"},
	{name: "error_reply empty", script: "return redis.error_reply('')"},
	{name: "error_reply dash only", script: "return redis.error_reply('-')"},
	{name: "error_reply no space", script: "return redis.error_reply('-FOO')"},
	{name: "error_reply bad", script: "return redis.error_reply()"},
	{name: "error_reply number", script: "return redis.error_reply(1)"},
	{name: "error_reply table", script: "local t = redis.error_reply('X y') return t.err"},
	{name: "status_reply", script: "return redis.status_reply('FINE')"},
	{name: "status_reply empty", script: "return redis.status_reply('')"},
	{name: "status_reply bad", script: "return redis.status_reply(1)"},
	{name: "raise error_reply", script: "error(redis.error_reply('MY fault'))"},
	{name: "compile error", script: "return end"},
	{name: "compile error eof", script: "return 1 +"},

	{name: "syntax 0", script: "for k=1,2 do; end"},
	{name: "syntax 1", script: "local x = 1;; return x"},
	{name: "syntax 2", script: "x"},
	{name: "syntax 3", script: "(x) = 1"},
	{name: "syntax 4", script: "f() = 1"},
	{name: "syntax 5", script: "return 1 x"},
	{name: "syntax 6", script: "local t = {1,2,}"},
	{name: "syntax 7", script: "local s = 'abc\n"},
	{name: "syntax 8", script: "local s = [==[ abc"},
	{name: "syntax 9", script: "return 1..2"},
	{name: "syntax 10", script: "return 0x"},
	{name: "syntax 11", script: "return 3abc"},
	{name: "syntax 12", script: "local function f() return ... end"},
	{name: "syntax 13", script: "break"},
	{name: "syntax 14", script: "while true do local function f() break end end"},
	{name: "syntax 15", script: "if x then"},
	{name: "syntax 16", script: "if x then\nelse\n"},
	{name: "syntax 17", script: "f\n(1)"},
	{name: "syntax 18", script: "local a = {[1] = 2, x = 3; 4}"},
	{name: "syntax 19", script: "return @"},
	{name: "syntax 20", script: "return ~1"},
	{name: "syntax 21", script: "local x <const> = 1"},
	{name: "syntax 22", script: "goto l1"},
	{name: "syntax 23", script: "x = 1 // 2"},
	{name: "syntax 24", script: "return '\\300'"},
	{name: "syntax 25", script: "return 'a\\qb'"},
	{name: "syntax 26", script: "function a.b:c.d() end"},
	{name: "syntax 27", script: "for a b"},
	{name: "syntax 28", script: "local 1"},
	{name: "syntax 29", script: "return function(a, 1) end"},
	{name: "syntax 30", script: "return function(a, ...) return ... end"},
	{name: "syntax 31", script: "return not not 1"},
	{name: "syntax 32", script: "return -#'x'"},
	{name: "syntax 33", script: "x, y() = 1, 2"},
	{name: "syntax 34", script: "return [[\na]]"},
	{name: "syntax 35", script: "--[[ unfinished"},
	{name: "syntax 36", script: "return 1 -- ok"},
	{name: "syntax 37", script: "return {1, 2"},
	{name: "syntax 38", script: "return {1, 2\n\n"},
	{name: "syntax 39", script: "local t = {\n1,\n2\n"},
	{name: "syntax 40", script: "return f(1,\n2"},
	{name: "syntax 41", script: "repeat local x = 1 until"},
	{name: "syntax 42", script: "return 'a' 'b'"},
	{name: "syntax 43", script: "return 'x' .. "},
	{name: "syntax 44", script: "local function"},
	{name: "syntax 45", script: "return a["},
	{name: "syntax 46", script: "x = = 1"},
	{name: "syntax 47", script: "return 1 + + 2"},
	{name: "syntax 48", script: "return 1 == == 2"},
	{name: "syntax 49", script: "local x = [=[ok]=] return x"},
	{name: "syntax 50", script: "local x = [=[ok]] return x"},
	{name: "syntax 51", script: "return [="},
	{name: "syntax 52", script: "return \"\\1\\01\\001\""},
	{name: "syntax 53", script: "while 1 do end end"},
	{name: "syntax 54", script: "for i = 1 do end"},
	{name: "syntax 55", script: "elseif"},
	{name: "syntax 56", script: "return #"},
	{name: "syntax 57", script: "return (1"},
	{name: "syntax 58", script: "return (1\n\n"},
	{name: "syntax 59", script: "a.b.c = 1"},
	{name: "syntax 60", script: "return function() end()"},
	{name: "syntax 61", script: "return nil()"},
	{name: "syntax 62", script: "return ..."},

	// Runtime errors naming the variable, as Lua 5.1 does.
	{name: "names local arith", script: "local x; return x + 1"},
	{name: "names local index", script: "local t = nil; return t.x"},
	{name: "names local call", script: "local f; f()"},
	{name: "names field call", script: "return string.nosuch()"},
	{name: "names method call", script: "return ('x'):bad()"},
	{name: "names field index", script: "local a = {} a.b.c = 1"},
	{name: "names KEYS field", script: "return KEYS.x.y"},
	{name: "names ARGV index", script: "return ARGV[1] + 1"},
	{name: "names nested field", script: "local t = {} return t.a.b"},
	{name: "names string field", script: "local s = 'x' return s.y.z"},
	{name: "names upvalue", script: "local u\nlocal function f() return u.x end\nreturn f()"},
	{name: "names upvalue call", script: "local u\nlocal function f() return u() end\nreturn f()"},
	{name: "names global call", script: "return KEYS(1)"},
	{name: "names concat local", script: "local t = {} return 'a' .. t"},
	{name: "names concat nil field", script: "local t = {} return 'a' .. t.x .. 'b'"},
	{name: "names len", script: "local n; return #n"},
	{name: "names unm", script: "local n = {}; return -n"},
	{name: "names arith field", script: "local t = {} return t.count + 1"},
	{name: "names arith string", script: "local s = 'abc' return s * 2"},
	{name: "names arith numeric string", script: "local s = '10' local n return s + n"},
	{name: "names call result", script: "local function f() return nil end return f()()"},
	{name: "names index call result", script: "return redis.call('get', 'nokey').x"},
	{name: "names pcall message", script: "local ok, e = pcall(function() local t; return t.x end) return e"},
	{name: "names in function", script: "local function g(a)\n  return a.b\nend\nreturn g(nil)"},
	{name: "names param arith", script: "local function g(a, b)\n  return a + b\nend\nreturn g(1)"},
	{name: "names loop var", script: "for i = 1, 2 do local v = KEYS[i] return v.x end"},
	{name: "names table field set", script: "local cfg = {} cfg.a.b = 1"},

	// Sandbox.
	{name: "global write", script: "x = 1"},
	{name: "global read", script: "return y"},
	{name: "print", script: "print('hi')"},
	{name: "os", script: "return os.time()"},
	{name: "io", script: "return io"},
	{name: "require", script: "return require('x')"},
	{name: "loadfile", script: "return loadfile('/etc/passwd')"},
	{name: "dofile", script: "return dofile('/etc/passwd')"},
	{name: "debug", script: "return debug"},
	{name: "package", script: "return package"},
	{name: "library write", script: "string.x = 1"},
	{name: "library overwrite", script: "redis.call = nil"},
	{name: "global overwrite", script: "redis = nil"},
	{name: "_G write", script: "_G.x = 1"},
	{name: "_G read", script: "return _G.nosuch"},
	{name: "rawset _G", script: "rawset(_G, 'x', 1)"},
	{name: "rawget _G", script: "return type(rawget(_G, 'redis'))"},
	{name: "string method", script: "return ('abc'):upper()"},
	{name: "KEYS ARGV", script: "return {KEYS[1], KEYS[2], ARGV[1], #KEYS, #ARGV}", keys: []string{"a", "b"}, args: []string{"c"}},
	{name: "KEYS mutable", script: "KEYS[1] = 'z' return KEYS[1]", keys: []string{"a"}},
	{name: "local ok", script: "local x = 5 return x * 2"},
	{name: "loadstring", script: "return loadstring('return 7')()"},
	{name: "globals listed", script: "local n = {} for k in pairs(_G) do n[#n+1] = k end table.sort(n) return n"},
	{name: "math.random seeded", script: "math.randomseed(42) return {math.random(100), math.random(5, 10), math.random(1000000)}"},
	{name: "math.random float", script: "math.randomseed(7) return tostring(math.random())"},
	{name: "math.random empty", script: "return math.random(0)"},
	{name: "coroutine", script: "local co = coroutine.wrap(function() coroutine.yield(1) return 2 end) return {co(), co()}"},

	// redis.* helpers.
	{name: "sha1hex", script: "return redis.sha1hex('')"},
	{name: "sha1hex number", script: "return redis.sha1hex(1)"},
	{name: "sha1hex table", script: "return redis.sha1hex({})"},
	{name: "sha1hex none", script: "return redis.sha1hex()"},
	{name: "version", script: "return redis.REDIS_VERSION .. ' ' .. redis.REDIS_VERSION_NUM"},
	{name: "constants", script: "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING, redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}"},
	{name: "replicate_commands", script: "return redis.replicate_commands()"},
	{name: "set_repl", script: "return redis.set_repl(redis.REPL_ALL)"},
	{name: "set_repl bad", script: "return redis.set_repl(99)"},
	{name: "set_repl none", script: "return redis.set_repl()"},
	{name: "breakpoint", script: "return redis.breakpoint()"},
	{name: "debug fn", script: "return redis.debug('x')"},
	{name: "log", script: "redis.log(redis.LOG_WARNING, 'hello', 'world') return 1"},
	{name: "log bad level", script: "return redis.log(9, 'hi')"},
	{name: "log not number", script: "return redis.log('x', 'hi')"},
	{name: "log one arg", script: "return redis.log(1)"},
	{name: "acl_check_cmd", script: "return redis.acl_check_cmd('get', 'x')"},

	// Lua behaviour scripts rely on.
	{name: "tostring float", script: "return tostring(0.1 + 0.2)"},
	{name: "tostring big", script: "return tostring(1e100)"},
	{name: "tostring int", script: "return tostring(123456)"},
	{name: "tonumber", script: "return {tonumber('0x10'), tonumber(' 12 '), tonumber('1e2'), tostring(tonumber('x'))}"},
	{name: "string.format", script: "return string.format('%5.2f|%d|%s|%x', 3.14159, 42, 'a', 255)"},
	{name: "table.concat", script: "return table.concat({1, 2, 'x'}, ',')"},
	{name: "unpack", script: "return {unpack({1, 2, 3})}"},
	{name: "select", script: "return select('#', 1, 2, 3)"},
	{name: "string.rep", script: "return string.rep('ab', 3)"},
	{name: "gsub", script: "return (string.gsub('hello world', 'o', '0'))"},
	// cjson.
	{name: "cjson empty", script: "return cjson.encode({})"},
	{name: "cjson array", script: "return cjson.encode({1, 2, 3})"},
	{name: "cjson slash", script: "return cjson.encode({a='x/y'})"},
	{name: "cjson holes", script: "return cjson.encode({1, nil, 3})"},
	{name: "cjson sparse", script: "return cjson.encode({[1]=1, [20]=2})"},
	{name: "cjson sparse ok", script: "return cjson.encode({[1]=1, [5]=2})"},
	{name: "cjson sparse 10", script: "return cjson.encode({[10]=2})"},
	{name: "cjson sparse 11", script: "return cjson.encode({[11]=2})"},
	{name: "cjson float key", script: "return cjson.encode({[1.5]=1})"},
	{name: "cjson bool key", script: "return cjson.encode({[true]=1})"},
	{name: "cjson mixed keys", script: "return cjson.encode({[1]='a'})"},
	{name: "cjson number", script: "return cjson.encode(0.1 + 0.2)"},
	{name: "cjson big number", script: "return cjson.encode(1e100)"},
	{name: "cjson 15 digits", script: "return cjson.encode(123456789012345)"},
	{name: "cjson neg zero", script: "return cjson.encode(-0)"},
	{name: "cjson inf", script: "return cjson.encode(1/0)"},
	{name: "cjson escapes", script: "return cjson.encode(string.char(0,1,7,8,9,10,12,13,31,34,47,92,127,128,255))"},
	{name: "cjson null", script: "return cjson.encode(cjson.null)"},
	{name: "cjson function", script: "return cjson.encode(function() end)"},
	{name: "cjson no args", script: "return cjson.encode()"},
	{name: "cjson nested", script: "return cjson.encode({{{}}})"},
	{name: "cjson cycle", script: "local t = {} t[1] = t return cjson.encode(t)"},
	{name: "cjson bool", script: "return cjson.encode({true, false})"},
	{name: "cjson decode array", script: "return cjson.decode('[1,2,3]')"},
	{name: "cjson decode object", script: "return cjson.decode('{\"a\":1}').a"},
	{name: "cjson decode null", script: "return {type(cjson.decode('null')), tostring(cjson.decode('null') == cjson.null)}"},
	{name: "cjson decode null in array", script: "return cjson.decode('[1,null,3]')"},
	{name: "cjson decode unicode", script: "return cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\"')"},
	{name: "cjson decode empty", script: "return cjson.decode('')"},
	{name: "cjson decode truncated", script: "return cjson.decode('[1,')"},
	{name: "cjson decode bad key", script: "return cjson.decode('{1:2}')"},
	{name: "cjson decode no colon", script: "return cjson.decode('{\"a\" 2}')"},
	{name: "cjson decode no comma", script: "return cjson.decode('[1 2]')"},
	{name: "cjson decode trailing", script: "return cjson.decode('1 2')"},
	{name: "cjson decode bad token", script: "return cjson.decode('tru')"},
	{name: "cjson decode open string", script: "return cjson.decode('\"abc')"},
	{name: "cjson decode bad escape", script: "return cjson.decode('\"\\\\x\"')"},
	{name: "cjson decode leading zero", script: "return cjson.decode('01')"},
	{name: "cjson decode exponent", script: "return cjson.decode('1.5e3')"},
	{name: "cjson decode minus", script: "return cjson.decode('-')"},
	{name: "cjson decode hex", script: "return cjson.decode('0x10')"},
	{name: "cjson decode deep", script: "return cjson.decode(string.rep('[', 1001) .. string.rep(']', 1001))"},
	{name: "cjson decode table arg", script: "return cjson.decode({})"},
	{name: "cjson decode number arg", script: "return cjson.decode(12)"},
	{name: "cjson decode trailing comma", script: "return cjson.decode('{\"a\":1,}')"},
	{name: "cjson decode array trailing comma", script: "return cjson.decode('[1,]')"},
	{name: "cjson roundtrip", script: "return cjson.encode(cjson.decode('{\"a\":[1,2,{\"b\":null}]}'))"},
	{name: "cjson version", script: "return cjson._NAME .. cjson._VERSION"},

	// bit.
	{name: "bit tobit", script: "return {bit.tobit(2^32+5), bit.tobit(-1), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(2^31), bit.tobit(1e20)}"},
	{name: "bit logic", script: "return {bit.band(0xff, 0x0f, 0x3), bit.bor(1,2,4), bit.bxor(5,3), bit.bnot(0)}"},
	{name: "bit shifts", script: "return {bit.lshift(1, 33), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678)}"},
	{name: "bit tohex", script: "return {bit.tohex(255), bit.tohex(-1, -4), bit.tohex(0x1234, 2), bit.tohex(1, 20), bit.tohex(1, 0)}"},
	{name: "bit no args", script: "return bit.band()"},
	{name: "bit string arg", script: "return bit.band('x')"},
	{name: "bit numeric string", script: "return bit.band('12', 4)"},

	// struct.
	{name: "struct pack", script: "return struct.pack('>I2<i4', 258, -2)"},
	{name: "struct unpack", script: "return {struct.unpack('>I2', 'ab')}"},
	{name: "struct unpack signed", script: "return {struct.unpack('<i2', '\\255\\255')}"},
	{name: "struct size", script: "return {struct.size('>I4b'), struct.size('!4bi')}"},
	{name: "struct size s", script: "return struct.size('s')"},
	{name: "struct size c0", script: "return struct.size('c0')"},
	{name: "struct align", script: "return struct.pack('!4bi', 1, 2)"},
	{name: "struct T and odd sizes", script: "return struct.pack('TI3i16', 1, 1, 1)"},
	{name: "struct too big", script: "return struct.pack('i33', 1)"},
	{name: "struct bad option", script: "return struct.pack('q', 1)"},
	{name: "struct strings", script: "return struct.pack('sc0', 'ab', 'cd')"},
	{name: "struct short string", script: "return struct.pack('c5', 'ab')"},
	{name: "struct c0 unpack", script: "return {struct.unpack('b c0', '\\3abcd')}"},
	{name: "struct unfinished", script: "return {struct.unpack('s', 'ab')}"},
	{name: "struct too short", script: "return {struct.unpack('I4', 'ab')}"},
	{name: "struct double", script: "return {struct.unpack('>d', struct.pack('>d', 1.5))}"},
	{name: "struct float", script: "return {struct.unpack('f', struct.pack('f', 2.5))}"},
	{name: "struct missing arg", script: "return struct.pack('i')"},
	{name: "struct no format", script: "return struct.pack()"},
	{name: "struct big values", script: "return {struct.pack('>l', 2^63), struct.pack('>L', -1), struct.pack('>i8', 1e19), struct.pack('>i16', -1)}"},
	{name: "struct unpack big", script: "return {struct.unpack('>I16', string.rep('\\1', 16))}"},
	{name: "struct truncating", script: "return {struct.pack('b', 300), struct.pack('B', -1), struct.pack('>h', 1.7), struct.pack('>h', -1.7)}"},
	{name: "struct offset", script: "return {struct.unpack('<I2', 'abcd', 3)}"},
	{name: "struct offset zero", script: "return {struct.unpack('<i', 'abcd', 0)}"},
	{name: "struct offset negative", script: "return {struct.unpack('<i', 'abcdef', -1)}"},
	{name: "struct bad align", script: "return struct.pack('!3i', 1)"},

	// cmsgpack.
	{name: "msgpack scalars", script: "return cmsgpack.pack(1, -1, 300, 1.5, 'ab', {1,2}, {a=1}, true, nil)"},
	{name: "msgpack empty", script: "return cmsgpack.pack({})"},
	{name: "msgpack ints", script: "return cmsgpack.pack(2^40, -2^40, 0.1, -33, 65536, -129, -32769, 4294967296)"},
	{name: "msgpack roundtrip", script: "return {cmsgpack.unpack(cmsgpack.pack(1, 'x', {1,2,{3}}, true))}"},
	{name: "msgpack map", script: "return cmsgpack.unpack(cmsgpack.pack({a=1})).a"},
	{name: "msgpack str8", script: "return cmsgpack.pack(string.rep('x', 40))"},
	{name: "msgpack no args", script: "return cmsgpack.pack()"},
	{name: "msgpack unpack empty", script: "return cmsgpack.unpack('')"},
	{name: "msgpack bad format", script: "return cmsgpack.unpack('\\193')"},
	{name: "msgpack missing bytes", script: "return cmsgpack.unpack('\\146\\1')"},
	{name: "msgpack unpack_one", script: "return {cmsgpack.unpack_one(cmsgpack.pack(1,2))}"},
	{name: "msgpack unpack_limit", script: "return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2)}"},
	{name: "msgpack unpack_limit all", script: "return {cmsgpack.unpack_limit(cmsgpack.pack(1,2), 5)}"},
	{name: "msgpack version", script: "return cmsgpack._NAME .. cmsgpack._VERSION"},
	{name: "msgpack sparse", script: "return cmsgpack.pack({[1]=1,[3]=3})"},
	{name: "msgpack inf nan", script: "return cmsgpack.pack(1/0, 0/0)"},
	{name: "msgpack function", script: "return cmsgpack.pack(function() end)"},
	{name: "msgpack float32", script: "return tostring(cmsgpack.unpack('\\202\\63\\192\\0\\0'))"},
	{name: "msgpack deep", script: "local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end return cmsgpack.pack(t)"},
	{name: "msgpack long array", script: "local t = {} for i = 1, 20 do t[i] = i end return cmsgpack.pack(t)"},
	{name: "msgpack null", script: "return cmsgpack.pack(cjson.null)"},
	{name: "self reference", script: "local t = {} t[1] = t return t"},
	{name: "table.concat numbers", script: "return table.concat({0.1+0.2, 1e15})"},
	{name: "format numbers", script: "return string.format('%s %g %.3f %d', 0.1+0.2, 0.1, 1/3, 2^31)"},
	{name: "format widths", script: "return string.format('%5s|%-5d|%05.1f', 'a', 3, 2.25)"},
	{name: "format q number", script: "return string.format('%q', 1/3)"},
	{name: "concat float", script: "return 0.1+0.2 .. ''", knownDiff: "gopher-lua's '..' formats numbers with Go's shortest form, not %.14g"},
	{name: "stack overflow", script: "local function f() return 1 + f() end return f()", knownDiff: "no line number for a call stack overflow"},
	{name: "deep recursion", script: "local function f(n) if n == 0 then return 0 end return 1 + f(n-1) end return f(15000)"},
	{name: "too deep recursion", script: "local function f(n) if n == 0 then return 0 end return 1 + f(n-1) end return f(150000)", knownDiff: "no line number for a call stack overflow"},
	{name: "rep negative", script: "return string.rep('x', -1)"},
	{name: "index metamethod", script: "local t = setmetatable({}, {__index = function(t, k) return k .. '!' end}) return t.foo"},
	{name: "coroutine error", script: "local co = coroutine.create(function() error('in co') end) return {coroutine.resume(co)}"},
	{name: "recursion", script: "local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(5000)"},
}

func TestDifferential(t *testing.T) {
	rr := startRedis(t)
	evalConns := map[int]*rawConn{2: rr.dial(t, 2), 3: rr.dial(t, 3)}
	callConns := map[int]*rawConn{2: rr.dial(t, 2), 3: rr.dial(t, 3)}
	admin := rr.dial(t, 2)
	e, err := NewEngine()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()

	prepare := func(t *testing.T, c diffCase) {
		if _, err := admin.do("FLUSHALL"); err != nil {
			t.Fatal(err)
		}
		for _, s := range c.setup {
			if _, err := admin.do(s...); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range diffCases {
		t.Run(c.name, func(t *testing.T) {
			proto := c.proto
			if proto == 0 {
				proto = 2
			}
			prepare(t, c)
			evalArgs := append([]string{"EVAL", c.script, strconv.Itoa(len(c.keys))}, c.keys...)
			evalArgs = append(evalArgs, c.args...)
			want, err := evalConns[proto].do(evalArgs...)
			if err != nil {
				t.Fatal(err)
			}

			prepare(t, c)
			got := runEngine(t, e, c, proto, func(args [][]byte, p int) []byte {
				r, err := callConns[p].doBytes(args)
				if err != nil {
					t.Fatal(err)
				}
				return scriptCallError(r)
			})
			if string(got) != string(want) && c.knownDiff != "" {
				t.Logf("known difference (%s): got %q, Redis %q", c.knownDiff, got, want)
			} else if string(got) != string(want) {
				t.Errorf("script %q\n got %q\nwant %q", c.script, got, want)
			}
		})
	}
}

// runEngine loads and runs c.script the way EVAL would and returns the reply.
func runEngine(t *testing.T, e *Engine, c diffCase, proto int, call Caller) []byte {
	t.Helper()
	w := &resp.Writer{Proto: proto}
	sha, err := e.Load([]byte(c.script))
	if err != nil {
		w.Error(err.Error())
		return w.Buf
	}
	keys := make([][]byte, len(c.keys))
	for i, k := range c.keys {
		keys[i] = []byte(k)
	}
	argv := make([][]byte, len(c.args))
	for i, a := range c.args {
		argv[i] = []byte(a)
	}
	e.Run(sha, keys, argv, call, w, RunOptions{Log: func(int, string) {}})
	return w.Buf
}

// scriptCallError stands in for the server's Caller, which reports the
// command errors Redis words differently for scripts than for clients.
func scriptCallError(r []byte) []byte {
	switch {
	case strings.HasPrefix(string(r), "-ERR unknown command"):
		return []byte("-ERR Unknown Redis command called from script\r\n")
	case strings.HasPrefix(string(r), "-ERR wrong number of arguments"):
		return []byte("-ERR Wrong number of args calling Redis command from script\r\n")
	}
	return r
}
