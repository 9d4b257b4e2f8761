package command

import (
	"strconv"
	"strings"
	"time"
)

func init() {
	register(
		&Command{Name: "ping", Arity: -1, Flags: Fast | Sentinel, Handler: pingCmd},
		&Command{Name: "echo", Arity: 2, Flags: Fast | Loading | Stale, Handler: echoCmd},
		&Command{Name: "quit", Arity: -1, Flags: AllowBusy | Loading | Stale | NoAuth | Fast | NoScript, Handler: quitCmd},
		&Command{Name: "select", Arity: 2, Flags: Loading | Stale | Fast, Handler: selectCmd},
		&Command{Name: "hello", Arity: -1, Flags: NoScript | Loading | Stale | NoAuth | Fast | Sentinel | AllowBusy, Handler: helloCmd},
		&Command{Name: "auth", Arity: -2, Flags: NoScript | Loading | Stale | NoAuth | Fast | Sentinel | AllowBusy, Handler: authCmd},
		&Command{Name: "reset", Arity: 1, Flags: NoScript | Loading | Stale | NoAuth | Fast | Sentinel | AllowBusy, Handler: resetCmd},
		&Command{Name: "client", Arity: -2, Flags: Sentinel, Subs: subs(
			&Command{Name: "client|id", Arity: 2, Flags: NoScript | Loading | Stale, Handler: clientIDCmd},
			&Command{Name: "client|info", Arity: 2, Flags: NoScript | Loading | Stale, Handler: clientInfoCmd},
			&Command{Name: "client|list", Arity: -2, Flags: Admin | NoScript | Loading | Stale, Handler: clientListCmd},
			&Command{Name: "client|setname", Arity: 3, Flags: NoScript | Loading | Stale, Handler: clientSetnameCmd},
			&Command{Name: "client|getname", Arity: 2, Flags: NoScript | Loading | Stale, Handler: clientGetnameCmd},
			&Command{Name: "client|kill", Arity: -3, Flags: Admin | NoScript | Loading | Stale, Handler: clientKillCmd},
			&Command{Name: "client|setinfo", Arity: 4, Flags: NoScript | Loading | Stale, Handler: clientSetinfoCmd},
			&Command{Name: "client|reply", Arity: 3, Flags: NoScript | Loading | Stale, Handler: clientReplyCmd},
			&Command{Name: "client|no-evict", Arity: 3, Flags: Admin | NoScript | Loading | Stale, Handler: clientNoEvictCmd},
			&Command{Name: "client|pause", Arity: -3, Flags: Admin | NoScript | Loading | Stale, Handler: clientPauseCmd},
			&Command{Name: "client|unpause", Arity: 2, Flags: Admin | NoScript | Loading | Stale, Handler: clientUnpauseCmd},
			&Command{Name: "client|getredir", Arity: 2, Flags: NoScript | Loading | Stale, Handler: func(c *Ctx) { c.W.Int(-1) }},
			&Command{Name: "client|unblock", Arity: -3, Flags: Admin | NoScript | Loading | Stale, Handler: clientUnblockCmd},
			&Command{Name: "client|help", Arity: 2, Flags: Loading | Stale, Handler: clientHelpCmd},
		)},
	)
}

// subs builds a subcommand map keyed by the part after '|'.
func subs(cmds ...*Command) map[string]*Command {
	m := make(map[string]*Command, len(cmds))
	for _, c := range cmds {
		m[c.Name[strings.IndexByte(c.Name, '|')+1:]] = c
	}
	return m
}

func pingCmd(c *Ctx) {
	if len(c.Args) > 2 {
		c.WrongArity()
		return
	}
	if c.Client.Proto < 3 && c.Client.PubSub() {
		pingSubscribed(c)
		return
	}
	if len(c.Args) == 2 {
		c.W.Bulk(c.Args[1])
		return
	}
	c.W.Simple(ReplyPong)
}

func echoCmd(c *Ctx) { c.W.Bulk(c.Args[1]) }

func quitCmd(c *Ctx) {
	c.W.OK()
	c.Client.CloseAfterReply = true
}

func selectCmd(c *Ctx) {
	n, ok := parseInt(c.Args[1])
	if !ok || n < -1<<31 || n >= 1<<31 {
		c.Error(ErrNotInteger)
		return
	}
	if c.KS.DB(int(n)) == nil {
		c.Error(ErrDBIndex)
		return
	}
	c.Client.DBIndex = int(n)
	c.W.OK()
}

func helloCmd(c *Ctx) {
	ver := int64(0)
	next := 1
	if len(c.Args) >= 2 {
		n, ok := parseInt(c.Args[1])
		if !ok {
			c.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if n < 2 || n > 3 {
			c.Error(ErrProtoVersion)
			return
		}
		ver = n
		next = 2
	}
	var user, pass, name []byte
	for j := next; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		opt := c.Args[j]
		switch {
		case eqFold(opt, "auth") && more >= 2:
			user, pass = c.Args[j+1], c.Args[j+2]
			j += 2
		case eqFold(opt, "setname") && more >= 1:
			name = c.Args[j+1]
			if !ClientNameValid(name) {
				c.Error(ErrClientName)
				return
			}
			j++
		default:
			c.Errorf("ERR Syntax error in HELLO option '%s'", cstr(opt))
			return
		}
	}
	if user != nil && !c.authenticate(string(user), string(pass)) {
		return
	}
	if !c.Client.Authed {
		c.Error(ErrHelloNoAuth)
		return
	}
	if name != nil {
		c.Client.Name = string(name)
	}
	if ver != 0 {
		c.Client.Proto = int(ver)
		c.W.Proto = int(ver)
	}
	c.W.Map(7)
	c.W.BulkString("server")
	c.W.BulkString("redis")
	c.W.BulkString("version")
	c.W.BulkString(redisVersion)
	c.W.BulkString("proto")
	c.W.Int(int64(c.Client.Proto))
	c.W.BulkString("id")
	c.W.Int(c.Client.ID)
	c.W.BulkString("mode")
	c.W.BulkString("standalone")
	c.W.BulkString("role")
	c.W.BulkString("master")
	c.W.BulkString("modules")
	c.W.Array(0)
}

// redisVersion is the Redis version enclavekv reports to clients.
const redisVersion = "7.0.15"

// authenticate checks credentials for the default user, whose password is
// requirepass (none: any password is accepted, as Redis's nopass user).
func (c *Ctx) authenticate(user, pass string) bool {
	want := ""
	if c.St != nil && c.St.Config != nil {
		want = c.St.Config.String("requirepass")
	}
	if user != "default" || (want != "" && pass != want) {
		c.Error(ErrWrongPass)
		return false
	}
	c.Client.Authed = true
	c.Client.User = user
	return true
}

func authCmd(c *Ctx) {
	if len(c.Args) > 3 {
		c.SyntaxError()
		return
	}
	if len(c.Args) == 2 {
		if c.St == nil || c.St.Config.String("requirepass") == "" {
			c.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
			return
		}
		if c.authenticate("default", string(c.Args[1])) {
			c.W.OK()
		}
		return
	}
	if c.authenticate(string(c.Args[1]), string(c.Args[2])) {
		c.W.OK()
	}
}

func resetCmd(c *Ctx) {
	cl := c.Client
	c.St.DiscardTx(cl)
	c.St.UnsubscribeAll(cl)
	if cl.Monitor {
		c.St.RemoveMonitor(cl)
		cl.Monitor = false
	}
	cl.DBIndex = 0
	cl.Proto = 2
	c.W.Proto = 2
	cl.Name = ""
	cl.Reply = ReplyOn
	cl.NoEvict = false
	if c.St != nil && c.St.Config.String("requirepass") != "" {
		cl.Authed = false
	}
	cl.User = "default"
	c.W.Simple("RESET")
}

func clientIDCmd(c *Ctx) { c.W.Int(c.Client.ID) }

func clientInfoCmd(c *Ctx) {
	c.W.Verbatim("txt", ClientInfoLine(c.Client, c.Now)+"\n")
}

// ClientInfoLine formats one CLIENT LIST / CLIENT INFO line.
func ClientInfoLine(cl *Client, now int64) string {
	var b strings.Builder
	b.Grow(256)
	b.WriteString("id=")
	b.WriteString(strconv.FormatInt(cl.ID, 10))
	b.WriteString(" addr=")
	b.WriteString(cl.Addr)
	b.WriteString(" laddr=")
	b.WriteString(cl.LAddr)
	b.WriteString(" fd=")
	b.WriteString(strconv.Itoa(cl.FD))
	b.WriteString(" name=")
	b.WriteString(cl.Name)
	b.WriteString(" age=")
	b.WriteString(strconv.FormatInt((now-cl.Created)/1000, 10))
	b.WriteString(" idle=")
	b.WriteString(strconv.FormatInt((now-cl.LastActive)/1000, 10))
	b.WriteString(" flags=")
	b.WriteString(clientFlags(cl))
	b.WriteString(" db=")
	b.WriteString(strconv.Itoa(cl.DBIndex))
	b.WriteString(cl.subCounts())
	b.WriteString(" multi=")
	multiMem := int64(0)
	if cl.Multi != nil {
		b.WriteString(strconv.Itoa(cl.Multi.Len()))
		multiMem = cl.Multi.Mem()
	} else {
		b.WriteString("-1")
	}
	b.WriteString(" qbuf=")
	b.WriteString(strconv.FormatInt(cl.QBuf, 10))
	b.WriteString(" qbuf-free=")
	b.WriteString(strconv.FormatInt(cl.QBufFree, 10))
	b.WriteString(" argv-mem=")
	b.WriteString(strconv.FormatInt(cl.ArgvMem, 10))
	b.WriteString(" multi-mem=")
	b.WriteString(strconv.FormatInt(multiMem, 10))
	b.WriteString(" rbs=")
	b.WriteString(strconv.FormatInt(cl.OutMem, 10))
	b.WriteString(" rbp=")
	b.WriteString(strconv.FormatInt(cl.OutBuf, 10))
	b.WriteString(" obl=")
	b.WriteString(strconv.FormatInt(cl.OutBuf, 10))
	b.WriteString(" oll=0 omem=0 tot-mem=")
	b.WriteString(strconv.FormatInt(cl.QBuf+cl.QBufFree+cl.OutMem+multiMem, 10))
	b.WriteString(" events=")
	if cl.Events == "" {
		b.WriteString("r")
	} else {
		b.WriteString(cl.Events)
	}
	b.WriteString(" cmd=")
	if cl.LastCmd == "" {
		b.WriteString("NULL")
	} else {
		b.WriteString(cl.LastCmd)
	}
	b.WriteString(" user=")
	b.WriteString(cl.User)
	b.WriteString(" redir=-1 resp=")
	b.WriteString(strconv.Itoa(cl.Proto))
	b.WriteString(" lib-name=")
	b.WriteString(cl.LibName)
	b.WriteString(" lib-ver=")
	b.WriteString(cl.LibVer)
	return b.String()
}

// isType reports whether cl is of a CLIENT LIST/KILL TYPE: "pubsub" when
// it has subscriptions, else "normal" (a MONITOR client too, as in Redis;
// replicas do not exist yet).
func (cl *Client) isType(typ string) bool {
	if cl.PubSub() {
		return typ == "pubsub"
	}
	return typ == "normal"
}

func clientFlags(cl *Client) string {
	var f []byte
	if cl.Monitor {
		f = append(f, 'O')
	}
	if cl.PubSub() {
		f = append(f, 'P')
	}
	if cl.Multi != nil {
		f = append(f, 'x')
	}
	if cl.Blocked != nil {
		f = append(f, 'b')
	}
	if cl.DirtyCAS {
		f = append(f, 'd')
	}
	if cl.Unix {
		f = append(f, 'U')
	}
	if cl.NoEvict {
		f = append(f, 'e')
	}
	if len(f) == 0 {
		return "N"
	}
	return string(f)
}

func clientListCmd(c *Ctx) {
	var typ string
	var ids []int64 // CLIENT LIST ID: listed in the order given, repeats included
	if len(c.Args) > 2 {
		switch {
		case len(c.Args) == 4 && eqFold(c.Args[2], "type"):
			typ = strings.ToLower(string(c.Args[3]))
			switch typ {
			case "normal", "master", "replica", "slave", "pubsub":
			default:
				c.Errorf("ERR Unknown client type '%s'", cstr(c.Args[3]))
				return
			}
		case len(c.Args) >= 4 && eqFold(c.Args[2], "id"):
			for _, a := range c.Args[3:] {
				id, ok := parseInt(a)
				if !ok {
					c.Error("ERR Invalid client ID")
					return
				}
				ids = append(ids, id)
			}
		default:
			c.SyntaxError()
			return
		}
	}
	var b strings.Builder
	all := c.Srv.Clients()
	if ids != nil {
		for _, id := range ids {
			for _, cl := range all {
				if cl.ID == id {
					b.WriteString(ClientInfoLine(cl, c.Now))
					b.WriteByte('\n')
				}
			}
		}
		c.W.Verbatim("txt", b.String())
		return
	}
	for _, cl := range all {
		if typ != "" && !cl.isType(typ) {
			continue
		}
		b.WriteString(ClientInfoLine(cl, c.Now))
		b.WriteByte('\n')
	}
	c.W.Verbatim("txt", b.String())
}

func clientSetnameCmd(c *Ctx) {
	if !ClientNameValid(c.Args[2]) {
		c.Error(ErrClientName)
		return
	}
	c.Client.Name = string(c.Args[2])
	c.W.OK()
}

func clientGetnameCmd(c *Ctx) {
	if c.Client.Name == "" {
		c.W.Null()
		return
	}
	c.W.BulkString(c.Client.Name)
}

func clientSetinfoCmd(c *Ctx) {
	attr, val := c.Args[2], c.Args[3]
	for _, ch := range val {
		if ch < '!' || ch > '~' {
			c.Errorf("ERR %s cannot contain spaces, newlines or special characters.", cstr(attr))
			return
		}
	}
	switch {
	case eqFold(attr, "lib-name"):
		c.Client.LibName = string(val)
	case eqFold(attr, "lib-ver"):
		c.Client.LibVer = string(val)
	default:
		c.Errorf("ERR Unrecognized option '%s'", cstr(attr))
		return
	}
	c.W.OK()
}

func clientReplyCmd(c *Ctx) {
	switch {
	case eqFold(c.Args[2], "on"):
		c.Client.Reply = ReplyOn
		c.W.OK()
	case eqFold(c.Args[2], "off"):
		c.Client.Reply = ReplyOff
	case eqFold(c.Args[2], "skip"):
		if c.Client.Reply != ReplyOff {
			c.Client.Reply = ReplySkip
		}
	default:
		c.SyntaxError()
	}
}

func clientNoEvictCmd(c *Ctx) {
	switch {
	case eqFold(c.Args[2], "on"):
		c.Client.NoEvict = true
	case eqFold(c.Args[2], "off"):
		c.Client.NoEvict = false
	default:
		c.SyntaxError()
		return
	}
	c.W.OK()
}

func clientPauseCmd(c *Ctx) {
	ms, ok := parseInt(c.Args[2])
	if !ok {
		c.Error(ErrTimeoutInvalid)
		return
	}
	if ms < 0 {
		c.Error(ErrTimeoutNegative)
		return
	}
	writeOnly := false
	if len(c.Args) == 4 {
		switch {
		case eqFold(c.Args[3], "write"):
			writeOnly = true
		case eqFold(c.Args[3], "all"):
		default:
			c.Error("ERR CLIENT PAUSE mode must be WRITE or ALL")
			return
		}
	} else if len(c.Args) > 4 {
		c.subcommandSyntaxError()
		return
	}
	c.Srv.Pause(time.Now().UnixMilli()+ms, writeOnly)
	c.W.OK()
}

func clientUnpauseCmd(c *Ctx) {
	c.Srv.Unpause()
	c.W.OK()
}

func clientUnblockCmd(c *Ctx) {
	id, ok := parseInt(c.Args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	if len(c.Args) == 4 && !eqFold(c.Args[3], "timeout") && !eqFold(c.Args[3], "error") {
		c.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
		return
	}
	if len(c.Args) > 4 {
		c.SyntaxError()
		return
	}
	withError := len(c.Args) == 4 && eqFold(c.Args[3], "error")
	if c.Srv != nil && c.Srv.Unblock(id, withError) {
		c.W.Int(1)
		return
	}
	c.W.Int(0)
}

// clientKillCmd supports the old form (CLIENT KILL addr) and the filter
// form (CLIENT KILL [ID id] [ADDR a] [LADDR a] [TYPE t] [USER u] [SKIPME yes|no]).
func clientKillCmd(c *Ctx) {
	if len(c.Args) == 3 {
		addr := string(c.Args[2])
		for _, cl := range c.Srv.Clients() {
			if cl.Addr == addr {
				c.Srv.Kill(cl)
				c.W.OK()
				return
			}
		}
		c.Error(ErrNoSuchClient)
		return
	}
	var (
		id             int64
		addr, laddr    string
		typ, user      string
		skipMe         = true
		hasID, hasType bool
	)
	args := c.Args[2:]
	if len(args)%2 != 0 {
		c.SyntaxError()
		return
	}
	for i := 0; i < len(args); i += 2 {
		opt, val := args[i], args[i+1]
		switch {
		case eqFold(opt, "id"):
			n, ok := parseInt(val)
			if !ok || n <= 0 {
				c.Error("ERR client-id should be greater than 0")
				return
			}
			id, hasID = n, true
		case eqFold(opt, "type"):
			typ = strings.ToLower(string(val))
			switch typ {
			case "normal", "master", "replica", "slave", "pubsub":
			default:
				c.Errorf("ERR Unknown client type '%s'", cstr(val))
				return
			}
			hasType = true
		case eqFold(opt, "addr"):
			addr = string(val)
		case eqFold(opt, "laddr"):
			laddr = string(val)
		case eqFold(opt, "user"):
			// Until ACLs exist the only user is "default".
			if string(val) != "default" {
				c.Errorf("ERR No such user '%s'", cstr(val))
				return
			}
			user = string(val)
		case eqFold(opt, "skipme"):
			switch {
			case eqFold(val, "yes"):
				skipMe = true
			case eqFold(val, "no"):
				skipMe = false
			default:
				c.SyntaxError()
				return
			}
		default:
			c.SyntaxError()
			return
		}
	}
	killed := 0
	for _, cl := range c.Srv.Clients() {
		if hasID && cl.ID != id {
			continue
		}
		if addr != "" && cl.Addr != addr {
			continue
		}
		if laddr != "" && cl.LAddr != laddr {
			continue
		}
		if user != "" && cl.User != user {
			continue
		}
		if hasType && !cl.isType(typ) {
			continue
		}
		if skipMe && cl == c.Client {
			continue
		}
		c.Srv.Kill(cl)
		killed++
	}
	c.W.Int(int64(killed))
}

func clientHelpCmd(c *Ctx) {
	lines := []string{
		"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"    * ID <client-id>",
		"      Kill connections by client id.",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"UNPAUSE",
		"    Stop the current client pause, resuming traffic.",
		"PAUSE <timeout> [WRITE|ALL]",
		"    Suspend all, or just write, clients for <timeout> milliseconds.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"SETINFO <LIB-NAME|LIB-VER> <value>",
		"    Set client library name or version.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"    Unblock the specified blocked client.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
		"HELP",
		"    Print this help.",
	}
	c.W.Array(len(lines))
	for _, l := range lines {
		c.W.Simple(l)
	}
}
