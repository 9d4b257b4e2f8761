package command

import (
	"github.com/enclavekv/enclavekv/internal/types/stream"
)

// XINFO: what a stream, its groups and their consumers hold.

func init() {
	ro := ReadOnly
	register(
		&Command{Name: "xinfo", Arity: -2, Subs: subs(
			&Command{Name: "xinfo|stream", Arity: -3, Flags: ro, FirstKey: 2, LastKey: 2, Handler: xinfoStreamCmd},
			&Command{Name: "xinfo|groups", Arity: 3, Flags: ro, FirstKey: 2, LastKey: 2, Handler: xinfoGroupsCmd},
			&Command{Name: "xinfo|consumers", Arity: 4, Flags: ro, FirstKey: 2, LastKey: 2, Handler: xinfoConsumersCmd},
			&Command{Name: "xinfo|help", Arity: 2, Flags: Loading | Stale, Handler: xinfoHelpCmd},
		)},
	)
}

func (c *Ctx) xinfoStream() (*stream.Stream, bool) {
	e, s, ok := c.getStream(c.Args[2], false)
	if !ok {
		return nil, false
	}
	if e == nil {
		c.Error(ErrNoSuchKey)
		return nil, false
	}
	return s, true
}

func xinfoConsumersCmd(c *Ctx) {
	s, ok := c.xinfoStream()
	if !ok {
		return
	}
	g := s.Group(c.Args[3])
	if g == nil {
		c.Errorf(ErrNoGroupForKey, cstr(c.Args[3]), cstr(c.Args[2]))
		return
	}
	c.W.Array(len(g.Consumers()))
	for _, cons := range g.Consumers() {
		c.W.Map(3)
		c.W.BulkString("name")
		c.W.Bulk(cons.Name)
		c.W.BulkString("pending")
		c.W.Int(int64(cons.PendingCount()))
		c.W.BulkString("idle")
		c.W.Int(max(c.Now-cons.SeenTime, 0))
	}
}

func xinfoGroupsCmd(c *Ctx) {
	s, ok := c.xinfoStream()
	if !ok {
		return
	}
	c.W.Array(len(s.Groups()))
	for _, g := range s.Groups() {
		c.W.Map(6)
		c.W.BulkString("name")
		c.W.Bulk(g.Name)
		c.W.BulkString("consumers")
		c.W.Int(int64(len(g.Consumers())))
		c.W.BulkString("pending")
		c.W.Int(int64(g.PendingCount()))
		c.W.BulkString("last-delivered-id")
		c.replyStreamID(g.LastID)
		c.W.BulkString("entries-read")
		c.replyEntriesRead(g.EntriesRead)
		c.W.BulkString("lag")
		c.replyLag(s, g)
	}
}

func (c *Ctx) replyEntriesRead(n int64) {
	if n == stream.InvalidRead {
		c.W.Null()
	} else {
		c.W.Int(n)
	}
}

// replyLag is how many entries the group has still to read, or null
// when deletions make that unknowable.
func (c *Ctx) replyLag(s *stream.Stream, g *stream.Group) {
	switch {
	case s.EntriesAdded == 0:
		c.W.Int(0)
	case g.EntriesRead != stream.InvalidRead && !s.HasTombstones(g.LastID, nil):
		c.W.Int(int64(s.EntriesAdded) - g.EntriesRead)
	default:
		if read := s.EstimateDistance(g.LastID); read != stream.InvalidRead {
			c.W.Int(int64(s.EntriesAdded) - read)
		} else {
			c.W.Null()
		}
	}
}

func xinfoStreamCmd(c *Ctx) {
	s, ok := c.xinfoStream()
	if !ok {
		return
	}
	opts := c.Args[3:]
	full, count := false, int64(10)
	if len(opts) > 0 {
		if len(opts) != 1 && len(opts) != 3 || !eqFold(opts[0], "full") {
			c.subcommandSyntaxError()
			return
		}
		full = true
		if len(opts) == 3 {
			if !eqFold(opts[1], "count") {
				c.subcommandSyntaxError()
				return
			}
			n, ok := c.intArg(opts[2])
			if !ok {
				return
			}
			if n < 0 {
				n = 10
			}
			count = n
		}
	}
	if full {
		c.W.Map(9)
	} else {
		c.W.Map(10)
	}
	c.W.BulkString("length")
	c.W.Int(int64(s.Len()))
	c.W.BulkString("radix-tree-keys")
	c.W.Int(int64(s.Nodes()))
	c.W.BulkString("radix-tree-nodes")
	c.W.Int(s.RadixNodes())
	c.W.BulkString("last-generated-id")
	c.replyStreamID(s.LastID)
	c.W.BulkString("max-deleted-entry-id")
	c.replyStreamID(s.MaxDeletedID)
	c.W.BulkString("entries-added")
	c.W.Int(int64(s.EntriesAdded))
	c.W.BulkString("recorded-first-entry-id")
	c.replyStreamID(s.FirstID)
	if !full {
		c.W.BulkString("groups")
		c.W.Int(int64(len(s.Groups())))
		c.W.BulkString("first-entry")
		if en := s.First(); en != nil {
			c.replyStreamEntry(en)
		} else {
			c.W.Null()
		}
		c.W.BulkString("last-entry")
		if en := s.Last(); en != nil {
			c.replyStreamEntry(en)
		} else {
			c.W.Null()
		}
		return
	}
	c.W.BulkString("entries")
	c.replyStreamRange(s, stream.ID{}, stream.MaxID, false, count)
	c.W.BulkString("groups")
	c.W.Array(len(s.Groups()))
	for _, g := range s.Groups() {
		c.W.Map(7)
		c.W.BulkString("name")
		c.W.Bulk(g.Name)
		c.W.BulkString("last-delivered-id")
		c.replyStreamID(g.LastID)
		c.W.BulkString("entries-read")
		c.replyEntriesRead(g.EntriesRead)
		c.W.BulkString("lag")
		c.replyLag(s, g)
		c.W.BulkString("pel-count")
		c.W.Int(int64(g.PendingCount()))
		c.W.BulkString("pending")
		pel := firstPending(g.AscendPending, count)
		c.W.Array(len(pel))
		for _, p := range pel {
			c.W.Array(4)
			c.replyStreamID(p.ID)
			c.W.Bulk(p.Consumer.Name)
			c.W.Int(p.DeliveryTime)
			c.W.Int(int64(p.DeliveryCount))
		}
		c.W.BulkString("consumers")
		c.W.Array(len(g.Consumers()))
		for _, cons := range g.Consumers() {
			c.W.Map(4)
			c.W.BulkString("name")
			c.W.Bulk(cons.Name)
			c.W.BulkString("seen-time")
			c.W.Int(cons.SeenTime)
			c.W.BulkString("pel-count")
			c.W.Int(int64(cons.PendingCount()))
			c.W.BulkString("pending")
			cpel := firstPending(cons.AscendPending, count)
			c.W.Array(len(cpel))
			for _, p := range cpel {
				c.W.Array(3)
				c.replyStreamID(p.ID)
				c.W.Int(p.DeliveryTime)
				c.W.Int(int64(p.DeliveryCount))
			}
		}
	}
}

// firstPending lists up to count (0: all) pending entries from a list's
// ascend method.
func firstPending(ascend func(stream.ID, func(*stream.Pending) bool), count int64) []*stream.Pending {
	var out []*stream.Pending
	ascend(stream.ID{}, func(p *stream.Pending) bool {
		out = append(out, p)
		return count <= 0 || int64(len(out)) < count
	})
	return out
}

func xinfoHelpCmd(c *Ctx) {
	replyHelp(c,
		"CONSUMERS <key> <groupname>",
		"    Show consumers of <groupname>.",
		"GROUPS <key>",
		"    Show the stream consumer groups.",
		"STREAM <key> [FULL [COUNT <count>]",
		"    Show information about the stream.",
	)
}
