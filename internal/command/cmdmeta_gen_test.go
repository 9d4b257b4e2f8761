package command

import (
	"bufio"
	"bytes"
	"fmt"
	"go/format"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// metaCommands are the commands whose reference metadata cmdmeta_data.go
// holds. Add a command here (and its prose to cmdprose.go), then run
//
//	ENCLAVEKV_GEN_META=1 go test ./internal/command -run TestGenerateCommandMeta
//
// with redis-server 7.0 on the PATH to regenerate the file.
var metaCommands = strings.Fields(`
	ping echo quit select hello reset auth client
	del unlink exists type keys scan randomkey rename renamenx move copy touch
	dbsize flushdb flushall swapdb object expire pexpire expireat pexpireat ttl
	pttl expiretime pexpiretime persist
	get set setnx setex psetex getset getdel getex mget mset msetnx append
	strlen incr decr incrby decrby incrbyfloat getrange substr setrange lcs
	setbit getbit bitcount bitpos bitop bitfield bitfield_ro
	info config command time shutdown monitor slowlog memory latency debug
	hset hmset hsetnx hget hmget hdel hlen hstrlen hexists hkeys hvals hgetall
	hincrby hincrbyfloat hrandfield hscan
	sadd srem smove sismember smismember scard smembers spop srandmember sinter
	sintercard sinterstore sunion sunionstore sdiff sdiffstore sscan
	lpush rpush lpushx rpushx lpop rpop llen lindex lset lrange ltrim lrem linsert
	lpos rpoplpush lmove lmpop
	zadd zincrby zrem zcard zscore zmscore zrank zrevrank zcount zlexcount zrange
	zrangestore zrevrange zrangebyscore zrevrangebyscore zrangebylex zrevrangebylex
	zremrangebyrank zremrangebyscore zremrangebylex zpopmin zpopmax zmpop zrandmember
	zunion zinter zdiff zunionstore zinterstore zdiffstore zintercard zscan
	geoadd geodist geohash geopos geosearch geosearchstore georadius
	georadiusbymember georadius_ro georadiusbymember_ro
	sort sort_ro
	blpop brpop brpoplpush blmove blmpop bzpopmin bzpopmax bzmpop
	multi exec discard watch unwatch
	save bgsave lastsave sync replconf dump restore
	subscribe unsubscribe psubscribe punsubscribe ssubscribe sunsubscribe publish
	spublish pubsub
	eval evalsha eval_ro evalsha_ro script fcall fcall_ro function
	pfadd pfcount pfmerge pfdebug pfselftest
	xadd xrange xrevrange xlen xdel xtrim xsetid xread xgroup xreadgroup xack
	xpending xclaim xautoclaim xinfo
`)

// TestGenerateCommandMeta asks the reference redis-server for COMMAND INFO
// and COMMAND DOCS of metaCommands and writes cmdmeta_data.go. It copies
// the facts only (flags, categories, tips, key specs, argument syntax,
// versions), never the prose: summaries, complexity, history notes
// and replaced_by are written by hand in cmdprose.go.
func TestGenerateCommandMeta(t *testing.T) {
	if os.Getenv("ENCLAVEKV_GEN_META") != "1" {
		t.Skip("set ENCLAVEKV_GEN_META=1 to regenerate cmdmeta_data.go from redis-server")
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv := exec.Command(bin, "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	var nc net.Conn
	for i := 0; i < 100; i++ {
		if nc, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	br := bufio.NewReader(nc)
	call := func(args ...string) any {
		var b bytes.Buffer
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := nc.Write(b.Bytes()); err != nil {
			t.Fatal(err)
		}
		v, err := readGenReply(br)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	call("HELLO", "3")
	infos := call(append([]string{"COMMAND", "INFO"}, metaCommands...)...).([]any)
	docs := call(append([]string{"COMMAND", "DOCS"}, metaCommands...)...).(genMap)

	metas := map[string]*cmdInfo{}
	var names []string
	var addInfo func(v any)
	addInfo = func(v any) {
		e := v.([]any)
		name := e[0].(string)
		m := &cmdInfo{
			Arity:      int(e[1].(int64)),
			Flags:      genStrings(e[2]),
			FirstKey:   int(e[3].(int64)),
			LastKey:    int(e[4].(int64)),
			Step:       int(e[5].(int64)),
			Categories: genStrings(e[6]),
			Tips:       genStrings(e[7]),
		}
		for _, ks := range e[8].([]any) {
			m.KeySpecs = append(m.KeySpecs, genKeySpec(ks.(genMap)))
		}
		metas[name] = m
		names = append(names, name)
		// Redis lists subcommands in its hash table's order, which changes
		// from run to run; sorted, the generated file only changes when
		// the facts do.
		subs := e[9].([]any)
		sort.Slice(subs, func(i, j int) bool { return subs[i].([]any)[0].(string) < subs[j].([]any)[0].(string) })
		for _, sub := range subs {
			addInfo(sub)
		}
	}
	for _, v := range infos {
		if v == nil {
			t.Fatal("redis-server does not know one of metaCommands")
		}
		addInfo(v)
	}
	var addDocs func(name string, d genMap)
	addDocs = func(name string, d genMap) {
		m := metas[name]
		if m == nil {
			t.Fatalf("docs for unknown command %s", name)
		}
		m.Since, _ = d.get("since").(string)
		m.Group, _ = d.get("group").(string)
		m.DocFlags = genStrings(d.get("doc_flags"))
		m.DeprecatedSince, _ = d.get("deprecated_since").(string)
		if h, ok := d.get("history").([]any); ok {
			for _, e := range h {
				m.History = append(m.History, e.([]any)[0].(string))
			}
		}
		if args, ok := d.get("arguments").([]any); ok {
			m.Args = genArgs(args)
		}
		if subs, ok := d.get("subcommands").(genMap); ok {
			for _, kv := range subs {
				addDocs(kv[0].(string), kv[1].(genMap))
			}
		}
	}
	for _, kv := range docs {
		addDocs(kv[0].(string), kv[1].(genMap))
	}

	var b bytes.Buffer
	b.WriteString("// Code generated by TestGenerateCommandMeta from redis-server's COMMAND INFO\n")
	b.WriteString("// and COMMAND DOCS (facts only, no prose). DO NOT EDIT.\n\npackage command\n\n")
	b.WriteString("var cmdMetaData = map[string]*cmdInfo{\n")
	for _, name := range names {
		m := metas[name]
		fmt.Fprintf(&b, "%q: {Arity: %d, Flags: %s, FirstKey: %d, LastKey: %d, Step: %d, Categories: %s, Tips: %s,\n",
			name, m.Arity, goStrings(m.Flags), m.FirstKey, m.LastKey, m.Step, goStrings(m.Categories), goStrings(m.Tips))
		if len(m.KeySpecs) > 0 {
			b.WriteString("KeySpecs: []keySpec{\n")
			for _, ks := range m.KeySpecs {
				fmt.Fprintf(&b, "{Notes: %q, Flags: %s, BSType: %q, BSIndex: %d, BSKeyword: %q, BSStartFrom: %d, FKType: %q, LastKey: %d, KeyStep: %d, Limit: %d, KeyNumIdx: %d, FirstKey: %d},\n",
					ks.Notes, goStrings(ks.Flags), ks.BSType, ks.BSIndex, ks.BSKeyword, ks.BSStartFrom, ks.FKType, ks.LastKey, ks.KeyStep, ks.Limit, ks.KeyNumIdx, ks.FirstKey)
			}
			b.WriteString("},\n")
		}
		fmt.Fprintf(&b, "Since: %q, Group: %q", m.Since, m.Group)
		if len(m.DocFlags) > 0 {
			fmt.Fprintf(&b, ", DocFlags: %s", goStrings(m.DocFlags))
		}
		if m.DeprecatedSince != "" {
			fmt.Fprintf(&b, ", DeprecatedSince: %q", m.DeprecatedSince)
		}
		if len(m.History) > 0 {
			fmt.Fprintf(&b, ", History: %s", goStrings(m.History))
		}
		if len(m.Args) > 0 {
			b.WriteString(",\nArgs: ")
			writeGoArgs(&b, m.Args)
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		t.Fatalf("format: %v\n%s", err, b.String())
	}
	if err := os.WriteFile("cmdmeta_data.go", src, 0o644); err != nil {
		t.Fatal(err)
	}
}

type genMap [][2]any

func (m genMap) get(k string) any {
	for _, kv := range m {
		if kv[0] == k {
			return kv[1]
		}
	}
	return nil
}

func genStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, s := range l {
			out = append(out, s.(string))
		}
	}
	return out
}

func genKeySpec(m genMap) keySpec {
	ks := keySpec{Flags: genStrings(m.get("flags"))}
	ks.Notes, _ = m.get("notes").(string)
	bs := m.get("begin_search").(genMap)
	ks.BSType = bs.get("type").(string)
	spec, _ := bs.get("spec").(genMap)
	switch ks.BSType {
	case "index":
		ks.BSIndex = int(spec.get("index").(int64))
	case "keyword":
		ks.BSKeyword = spec.get("keyword").(string)
		ks.BSStartFrom = int(spec.get("startfrom").(int64))
	}
	fk := m.get("find_keys").(genMap)
	ks.FKType = fk.get("type").(string)
	spec, _ = fk.get("spec").(genMap)
	switch ks.FKType {
	case "range":
		ks.LastKey = int(spec.get("lastkey").(int64))
		ks.KeyStep = int(spec.get("keystep").(int64))
		ks.Limit = int(spec.get("limit").(int64))
	case "keynum":
		ks.KeyNumIdx = int(spec.get("keynumidx").(int64))
		ks.FirstKey = int(spec.get("firstkey").(int64))
		ks.KeyStep = int(spec.get("keystep").(int64))
	}
	return ks
}

func genArgs(l []any) []docArg {
	var out []docArg
	for _, v := range l {
		m := v.(genMap)
		a := docArg{KeySpecIndex: -1}
		a.Name, _ = m.get("name").(string)
		a.Type, _ = m.get("type").(string)
		if n, ok := m.get("key_spec_index").(int64); ok {
			a.KeySpecIndex = int(n)
		}
		a.Token, _ = m.get("token").(string)
		a.Since, _ = m.get("since").(string)
		a.DeprecatedSince, _ = m.get("deprecated_since").(string)
		for _, f := range genStrings(m.get("flags")) {
			switch f {
			case "optional":
				a.Optional = true
			case "multiple":
				a.Multiple = true
			case "multiple_token":
				a.MultipleToken = true
			}
		}
		if sub, ok := m.get("arguments").([]any); ok {
			a.Args = genArgs(sub)
		}
		out = append(out, a)
	}
	return out
}

func goStrings(s []string) string {
	if len(s) == 0 {
		return "nil"
	}
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

func writeGoArgs(b *bytes.Buffer, args []docArg) {
	b.WriteString("[]docArg{\n")
	for _, a := range args {
		fmt.Fprintf(b, "{Name: %q, Type: %q, KeySpecIndex: %d", a.Name, a.Type, a.KeySpecIndex)
		if a.Token != "" {
			fmt.Fprintf(b, ", Token: %q", a.Token)
		}
		if a.Since != "" {
			fmt.Fprintf(b, ", Since: %q", a.Since)
		}
		if a.DeprecatedSince != "" {
			fmt.Fprintf(b, ", DeprecatedSince: %q", a.DeprecatedSince)
		}
		if a.Optional {
			b.WriteString(", Optional: true")
		}
		if a.Multiple {
			b.WriteString(", Multiple: true")
		}
		if a.MultipleToken {
			b.WriteString(", MultipleToken: true")
		}
		if len(a.Args) > 0 {
			b.WriteString(", Args: ")
			writeGoArgs(b, a.Args)
		}
		b.WriteString("},\n")
	}
	b.WriteString("}")
}

// readGenReply reads one RESP3 reply: maps become genMap, arrays and sets
// []any, strings string, integers int64, null nil.
func readGenReply(br *bufio.Reader) (any, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, fmt.Errorf("empty line")
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return nil, fmt.Errorf("server error: %s", body)
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '_':
		return nil, nil
	case '$', '=':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(br, buf); err != nil {
			return nil, err
		}
		s := string(buf[:n])
		if line[0] == '=' {
			s = s[4:]
		}
		return s, nil
	case '*', '~', '>':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return nil, nil
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = readGenReply(br); err != nil {
				return nil, err
			}
		}
		return out, nil
	case '%':
		n, _ := strconv.Atoi(body)
		out := make(genMap, n)
		for i := range out {
			if out[i][0], err = readGenReply(br); err != nil {
				return nil, err
			}
			if out[i][1], err = readGenReply(br); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected reply %q", line)
}

func ioReadFull(br *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := br.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
