package command

import (
	"sort"
	"strings"

	"github.com/enclavekv/enclavekv/internal/glob"
)

// COMMAND and its subcommands: introspection of the command table, with
// the metadata of cmdmeta.go. redis-cli builds its hints from COMMAND DOCS.

// lookupFull finds a command by its full name ("get", "config|get"),
// case-insensitively.
func lookupFull(t *Table, name string) *Command {
	parent, sub, hasSub := strings.Cut(name, "|")
	cmd := t.Lookup([]byte(parent))
	if cmd == nil || !hasSub {
		return cmd
	}
	if cmd.Subs == nil {
		return nil
	}
	return cmd.Subs[strings.ToLower(sub)]
}

// LookupFull is lookupFull as a method, for the server layer.
func (t *Table) LookupFull(name string) *Command { return lookupFull(t, name) }

// sortedSubs returns cmd's subcommands sorted by name.
func sortedSubs(cmd *Command) []*Command {
	out := make([]*Command, 0, len(cmd.Subs))
	for _, s := range cmd.Subs {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func commandCmd(c *Ctx) {
	all := c.Table.All()
	c.W.Array(len(all))
	for _, cmd := range all {
		writeCommandInfo(c, cmd)
	}
}

func commandCountCmd(c *Ctx) { c.W.Int(int64(c.Table.Len())) }

func commandInfoCmd(c *Ctx) {
	if len(c.Args) == 2 {
		commandCmd(c)
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, a := range c.Args[2:] {
		cmd := lookupFull(c.Table, string(a))
		if cmd == nil {
			c.W.Null()
			continue
		}
		writeCommandInfo(c, cmd)
	}
}

// writeCommandInfo is one entry of COMMAND / COMMAND INFO.
func writeCommandInfo(c *Ctx, cmd *Command) {
	m := infoOf(cmd)
	w := c.W
	w.Array(10)
	w.BulkString(cmd.Name)
	w.Int(int64(cmd.Arity))
	w.Set(len(m.Flags))
	for _, f := range m.Flags {
		w.Simple(f)
	}
	w.Int(int64(m.FirstKey))
	w.Int(int64(m.LastKey))
	w.Int(int64(m.Step))
	w.Set(len(m.Categories))
	for _, cat := range m.Categories {
		w.Simple(cat)
	}
	w.Set(len(m.Tips))
	for _, t := range m.Tips {
		w.BulkString(t)
	}
	w.Set(len(m.KeySpecs))
	for i := range m.KeySpecs {
		writeKeySpec(c, &m.KeySpecs[i])
	}
	// Redis answers an empty set when there are no subcommands and an
	// array when there are (RESP3 shows the difference).
	subs := sortedSubs(cmd)
	if len(subs) == 0 {
		w.Set(0)
	} else {
		w.Array(len(subs))
	}
	for _, s := range subs {
		writeCommandInfo(c, s)
	}
}

func writeKeySpec(c *Ctx, ks *keySpec) {
	w := c.W
	n := 3
	if ks.Notes != "" {
		n++
	}
	w.Map(n)
	if ks.Notes != "" {
		w.BulkString("notes")
		w.BulkString(ks.Notes)
	}
	w.BulkString("flags")
	w.Set(len(ks.Flags))
	for _, f := range ks.Flags {
		w.Simple(f)
	}
	w.BulkString("begin_search")
	w.Map(2)
	w.BulkString("type")
	w.BulkString(ks.BSType)
	w.BulkString("spec")
	switch ks.BSType {
	case "index":
		w.Map(1)
		w.BulkString("index")
		w.Int(int64(ks.BSIndex))
	case "keyword":
		w.Map(2)
		w.BulkString("keyword")
		w.BulkString(ks.BSKeyword)
		w.BulkString("startfrom")
		w.Int(int64(ks.BSStartFrom))
	default:
		w.Map(0)
	}
	w.BulkString("find_keys")
	w.Map(2)
	w.BulkString("type")
	w.BulkString(ks.FKType)
	w.BulkString("spec")
	switch ks.FKType {
	case "range":
		w.Map(3)
		w.BulkString("lastkey")
		w.Int(int64(ks.LastKey))
		w.BulkString("keystep")
		w.Int(int64(ks.KeyStep))
		w.BulkString("limit")
		w.Int(int64(ks.Limit))
	case "keynum":
		w.Map(3)
		w.BulkString("keynumidx")
		w.Int(int64(ks.KeyNumIdx))
		w.BulkString("firstkey")
		w.Int(int64(ks.FirstKey))
		w.BulkString("keystep")
		w.Int(int64(ks.KeyStep))
	default:
		w.Map(0)
	}
}

func commandDocsCmd(c *Ctx) {
	var cmds []*Command
	if len(c.Args) == 2 {
		cmds = c.Table.All()
	} else {
		for _, a := range c.Args[2:] {
			if cmd := lookupFull(c.Table, string(a)); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.W.Map(len(cmds))
	for _, cmd := range cmds {
		c.W.BulkString(cmd.Name)
		writeCommandDocs(c, cmd)
	}
}

// writeCommandDocs is one command's COMMAND DOCS map.
func writeCommandDocs(c *Ctx, cmd *Command) {
	m := infoOf(cmd)
	p := proseOf(cmd)
	w := c.W
	subs := sortedSubs(cmd)
	n := 3
	for _, present := range []bool{p.Complexity != "", len(m.DocFlags) > 0, m.DeprecatedSince != "",
		p.ReplacedBy != "", len(m.History) > 0, len(m.Args) > 0, len(subs) > 0} {
		if present {
			n++
		}
	}
	w.Map(n)
	w.BulkString("summary")
	w.BulkString(p.Summary)
	w.BulkString("since")
	w.BulkString(m.Since)
	w.BulkString("group")
	w.BulkString(m.Group)
	if p.Complexity != "" {
		w.BulkString("complexity")
		w.BulkString(p.Complexity)
	}
	if len(m.DocFlags) > 0 {
		w.BulkString("doc_flags")
		w.Set(len(m.DocFlags))
		for _, f := range m.DocFlags {
			w.Simple(f)
		}
	}
	if m.DeprecatedSince != "" {
		w.BulkString("deprecated_since")
		w.BulkString(m.DeprecatedSince)
	}
	if p.ReplacedBy != "" {
		w.BulkString("replaced_by")
		w.BulkString(p.ReplacedBy)
	}
	if len(m.History) > 0 {
		w.BulkString("history")
		w.Set(len(m.History))
		for i, v := range m.History {
			note := ""
			if i < len(p.History) {
				note = p.History[i]
			}
			w.Array(2)
			w.BulkString(v)
			w.BulkString(note)
		}
	}
	if len(m.Args) > 0 {
		w.BulkString("arguments")
		writeDocArgs(c, m.Args)
	}
	if len(subs) > 0 {
		w.BulkString("subcommands")
		w.Map(len(subs))
		for _, s := range subs {
			w.BulkString(s.Name)
			writeCommandDocs(c, s)
		}
	}
}

func writeDocArgs(c *Ctx, args []docArg) {
	w := c.W
	w.Array(len(args))
	for i := range args {
		a := &args[i]
		var flags []string
		if a.Optional {
			flags = append(flags, "optional")
		}
		if a.Multiple {
			flags = append(flags, "multiple")
		}
		if a.MultipleToken {
			flags = append(flags, "multiple_token")
		}
		n := 2
		for _, present := range []bool{a.KeySpecIndex >= 0, a.Token != "", a.Since != "", a.DeprecatedSince != "", len(flags) > 0, len(a.Args) > 0} {
			if present {
				n++
			}
		}
		w.Map(n)
		w.BulkString("name")
		w.BulkString(a.Name)
		w.BulkString("type")
		w.BulkString(a.Type)
		if a.KeySpecIndex >= 0 {
			w.BulkString("key_spec_index")
			w.Int(int64(a.KeySpecIndex))
		}
		if a.Token != "" {
			w.BulkString("token")
			w.BulkString(a.Token)
		}
		if a.Since != "" {
			w.BulkString("since")
			w.BulkString(a.Since)
		}
		if a.DeprecatedSince != "" {
			w.BulkString("deprecated_since")
			w.BulkString(a.DeprecatedSince)
		}
		if len(flags) > 0 {
			w.BulkString("flags")
			w.Set(len(flags))
			for _, f := range flags {
				w.Simple(f)
			}
		}
		if len(a.Args) > 0 {
			w.BulkString("arguments")
			writeDocArgs(c, a.Args)
		}
	}
}

func commandListCmd(c *Ctx) {
	var match func(cmd *Command) bool
	switch {
	case len(c.Args) == 2:
		match = func(*Command) bool { return true }
	case len(c.Args) == 5 && eqFold(c.Args[2], "filterby"):
		val := string(c.Args[4])
		switch {
		case eqFold(c.Args[3], "module"):
			match = func(*Command) bool { return false }
		case eqFold(c.Args[3], "aclcat"):
			cat := "@" + strings.ToLower(val)
			match = func(cmd *Command) bool {
				for _, x := range infoOf(cmd).Categories {
					if x == cat {
						return true
					}
				}
				return false
			}
		case eqFold(c.Args[3], "pattern"):
			match = func(cmd *Command) bool { return glob.MatchString(val, cmd.Name, true) }
		}
	}
	if match == nil {
		c.SyntaxError()
		return
	}
	var names []string
	for _, cmd := range c.Table.All() {
		if match(cmd) {
			names = append(names, cmd.Name)
		}
		for _, s := range sortedSubs(cmd) {
			if match(s) {
				names = append(names, s.Name)
			}
		}
	}
	c.W.Array(len(names))
	for _, n := range names {
		c.W.BulkString(n)
	}
}

func commandGetkeysCmd(c *Ctx)         { commandGetkeys(c, false) }
func commandGetkeysAndFlagsCmd(c *Ctx) { commandGetkeys(c, true) }

func commandGetkeys(c *Ctx, withFlags bool) {
	args := c.Args[2:]
	cmd := c.Table.Lookup(args[0])
	if cmd != nil && cmd.Subs != nil {
		if len(args) < 2 {
			cmd = nil
		} else {
			cmd = cmd.Subs[strings.ToLower(string(args[1]))]
		}
	}
	if cmd == nil {
		c.Error(ErrGetkeysInvalidCmd)
		return
	}
	m := infoOf(cmd)
	// Specs flagged not_key (the channels of SPUBLISH and SSUBSCRIBE,
	// there for cluster routing) name no keys, as in Redis.
	if !hasKeys(m) {
		c.Error(ErrGetkeysNoKeys)
		return
	}
	if (cmd.Arity > 0 && cmd.Arity != len(args)) || len(args) < -cmd.Arity {
		c.Error(ErrGetkeysArgs)
		return
	}
	keys, ok := extractKeys(cmd, m, args)
	if !ok || len(keys) == 0 {
		if ok && hasFlag(m.Flags, "no_mandatory_keys") {
			c.W.Array(0)
			return
		}
		c.Error(ErrGetkeysBadArgs)
		return
	}
	c.W.Array(len(keys))
	for _, k := range keys {
		if !withFlags {
			c.W.Bulk(args[k.pos])
			continue
		}
		c.W.Array(2)
		c.W.Bulk(args[k.pos])
		c.W.Set(len(k.flags))
		for _, f := range k.flags {
			c.W.Simple(f)
		}
	}
}

func hasKeys(m *cmdInfo) bool {
	for _, ks := range m.KeySpecs {
		if !hasFlag(ks.Flags, "not_key") {
			return true
		}
	}
	return false
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

// keyRef is one key found in a command line: its argument index and the
// access flags of the key spec that found it.
type keyRef struct {
	pos   int
	flags []string
}

// extractKeys applies the key specs to args (args[0] is the command name)
// the way Redis's getKeysUsingKeySpecs does. ok is false when a spec
// cannot be applied (a bad key count).
func extractKeys(cmd *Command, m *cmdInfo, args [][]byte) (keys []keyRef, ok bool) {
	argc := len(args)
	for i := range m.KeySpecs {
		ks := &m.KeySpecs[i]
		first := 0
		switch ks.BSType {
		case "index":
			first = ks.BSIndex
		case "keyword":
			start, end := ks.BSStartFrom, argc-1
			if ks.BSStartFrom <= 0 {
				start, end = argc+ks.BSStartFrom, 0
			}
			for j := start; j != end; {
				if j >= argc || j < 1 {
					break
				}
				if strings.EqualFold(string(args[j]), ks.BSKeyword) {
					first = j + 1
					break
				}
				if start <= end {
					j++
				} else {
					j--
				}
			}
			if first == 0 {
				continue
			}
		default:
			continue
		}
		var last, step int
		switch ks.FKType {
		case "range":
			step = ks.KeyStep
			switch {
			case ks.LastKey >= 0:
				last = first + ks.LastKey
			case ks.Limit == 0:
				last = argc + ks.LastKey
			default:
				last = first + ((argc-first)/ks.Limit + ks.LastKey)
			}
		case "keynum":
			if ks.KeyNumIdx >= argc || first+ks.KeyNumIdx >= argc {
				return nil, false
			}
			n, nok := parseInt(args[first+ks.KeyNumIdx])
			if !nok || n < 0 || n > int64(argc) {
				return nil, false
			}
			first += ks.FirstKey
			last = first + int(n) - 1
			step = ks.KeyStep
		default:
			return nil, false
		}
		if step <= 0 {
			step = 1
		}
		for j := first; j <= last; j += step {
			if j >= argc || j < first {
				continue
			}
			keys = append(keys, keyRef{pos: j, flags: keyFlags(cmd, ks, args)})
		}
	}
	return keys, true
}

// keyFlags are the flags GETKEYSANDFLAGS reports. Commands whose key
// access depends on their options (variable_flags) refine them as Redis's
// getkeys procedures do.
func keyFlags(cmd *Command, ks *keySpec, args [][]byte) []string {
	if cmd.Name == "set" {
		for _, a := range args[3:] {
			if eqFold(a, "get") {
				return []string{"RW", "access", "update"}
			}
		}
		return []string{"OW", "update"}
	}
	return ks.Flags
}

func commandHelpCmd(c *Ctx) {
	replyHelp(c,
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full Redis command.",
	)
}
