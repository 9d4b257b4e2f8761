package command

import (
	"sort"
	"strings"
)

// Command metadata for COMMAND, COMMAND INFO, COMMAND DOCS and COMMAND
// GETKEYS: flags, ACL categories, tips, key specs and the argument syntax,
// exactly as Redis 7.0 reports them. The facts live in cmdmeta_data.go,
// generated from the reference redis-server by TestGenerateCommandMeta
// (ENCLAVEKV_GEN_META=1); the prose (summaries, complexity, history notes)
// is our own and lives in cmdprose.go.

// keySpec is one key specification (COMMAND INFO's 9th element).
type keySpec struct {
	Notes string
	Flags []string // RO RW OW RM access update insert delete ...
	// begin_search: "index" (BSIndex), "keyword" (BSKeyword from
	// BSStartFrom) or "unknown".
	BSType      string
	BSIndex     int
	BSKeyword   string
	BSStartFrom int
	// find_keys: "range" (LastKey, KeyStep, Limit), "keynum" (KeyNumIdx,
	// FirstKey, KeyStep) or "unknown".
	FKType    string
	LastKey   int
	KeyStep   int
	Limit     int
	KeyNumIdx int
	FirstKey  int
}

// docArg is one argument of a command's syntax (COMMAND DOCS).
type docArg struct {
	Name            string
	Type            string
	KeySpecIndex    int // -1: none
	Token           string
	Since           string
	DeprecatedSince string
	Optional        bool
	Multiple        bool
	MultipleToken   bool
	Args            []docArg
}

// cmdInfo is the reference metadata of one command or subcommand.
type cmdInfo struct {
	Arity           int
	Flags           []string
	FirstKey        int
	LastKey         int
	Step            int
	Categories      []string // with '@'
	Tips            []string
	KeySpecs        []keySpec
	Since           string
	Group           string
	DocFlags        []string
	DeprecatedSince string
	History         []string // versions; the notes are in cmdProse
	Args            []docArg
}

// prose is our own documentation text for one command.
type prose struct {
	Summary    string
	Complexity string   // "" when Redis documents none
	History    []string // one note per cmdInfo.History version
	ReplacedBy string   // for deprecated commands
}

// aclCategoryOrder is the order Redis lists ACL categories in.
var aclCategoryOrder = []string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
	"bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
	"blocking", "dangerous", "connection", "transaction", "scripting",
}

// infoOf returns the metadata of cmd: the generated reference data when
// there is some, else what the family registered.
func infoOf(cmd *Command) *cmdInfo {
	if m := cmdMetaData[cmd.Name]; m != nil {
		return m
	}
	m := &cmdInfo{Arity: cmd.Arity, Flags: cmd.Flags.Names(), FirstKey: cmd.FirstKey, LastKey: cmd.LastKey, Step: cmd.Step}
	cats := append([]string(nil), cmd.Categories...)
	rank := func(c string) int {
		for i, x := range aclCategoryOrder {
			if x == c {
				return i
			}
		}
		return len(aclCategoryOrder)
	}
	sort.SliceStable(cats, func(i, j int) bool { return rank(cats[i]) < rank(cats[j]) })
	for _, c := range cats {
		m.Categories = append(m.Categories, "@"+strings.TrimPrefix(c, "@"))
	}
	if cmd.FirstKey > 0 {
		flags := []string{"RW", "access"}
		if cmd.Flags&ReadOnly != 0 {
			flags = []string{"RO", "access"}
		}
		last := cmd.LastKey
		if last > 0 {
			last -= cmd.FirstKey
		}
		m.KeySpecs = []keySpec{{Flags: flags, BSType: "index", BSIndex: cmd.FirstKey, FKType: "range", LastKey: last, KeyStep: max(cmd.Step, 1)}}
	}
	m.Since = "7.0.0"
	m.Group = "generic"
	for _, a := range cmd.Doc.Args {
		m.Args = append(m.Args, convertArg(a))
	}
	if cmd.Doc.Since != "" {
		m.Since = cmd.Doc.Since
	}
	if cmd.Doc.Group != "" {
		m.Group = cmd.Doc.Group
	}
	return m
}

func convertArg(a Arg) docArg {
	d := docArg{Name: a.Name, Type: a.Type, KeySpecIndex: -1, Token: a.Token, Optional: a.Optional, Multiple: a.Multiple}
	if d.Type == "key" {
		d.KeySpecIndex = 0
	}
	for _, s := range a.Args {
		d.Args = append(d.Args, convertArg(s))
	}
	return d
}

// proseOf returns our documentation text for cmd.
func proseOf(cmd *Command) prose {
	if p, ok := cmdProse[cmd.Name]; ok {
		return p
	}
	return prose{Summary: cmd.Doc.Summary, Complexity: cmd.Doc.Complexity}
}
