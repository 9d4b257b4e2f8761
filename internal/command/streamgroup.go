package command

import (
	"math"

	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/types/stream"
)

// Stream consumer groups.

func init() {
	register(
		&Command{Name: "xgroup", Arity: -2, Subs: subs(
			&Command{Name: "xgroup|create", Arity: -5, Flags: Write | DenyOOM, FirstKey: 2, LastKey: 2, Handler: xgroupCmd},
			&Command{Name: "xgroup|setid", Arity: -5, Flags: Write, FirstKey: 2, LastKey: 2, Handler: xgroupCmd},
			&Command{Name: "xgroup|destroy", Arity: 4, Flags: Write, FirstKey: 2, LastKey: 2, Handler: xgroupCmd},
			&Command{Name: "xgroup|createconsumer", Arity: 5, Flags: Write | DenyOOM, FirstKey: 2, LastKey: 2, Handler: xgroupCmd},
			&Command{Name: "xgroup|delconsumer", Arity: 5, Flags: Write, FirstKey: 2, LastKey: 2, Handler: xgroupCmd},
			&Command{Name: "xgroup|help", Arity: 2, Flags: Loading | Stale, Handler: xgroupHelpCmd},
		)},
		&Command{Name: "xreadgroup", Arity: -7, Flags: Write | Blocking, Handler: xreadgroupCmd},
		&Command{Name: "xack", Arity: -4, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: xackCmd},
		&Command{Name: "xpending", Arity: -3, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: xpendingCmd},
		&Command{Name: "xclaim", Arity: -6, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: xclaimCmd},
		&Command{Name: "xautoclaim", Arity: -6, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: xautoclaimCmd},
	)
}

func xreadgroupCmd(c *Ctx) { c.xread(true) }

// streamConsumer finds the group's consumer called name, making it (and
// announcing it) when there is none, and marks it seen now. It also tells
// the keyspace the stream is about to change.
func (c *Ctx) streamConsumer(e *keyspace.Entry, g *stream.Group, name, key []byte) *stream.Consumer {
	c.DB.WillModify(e)
	if cons := g.Consumer(name); cons != nil {
		cons.SeenTime = c.Now
		return cons
	}
	return c.createConsumer(g, name, key)
}

func (c *Ctx) createConsumer(g *stream.Group, name, key []byte) *stream.Consumer {
	cons := g.CreateConsumer(name, c.Now)
	c.notify(evStream, "xgroup-createconsumer", key)
	c.Dirty(1)
	return cons
}

// deliverNew is XREADGROUP ">": the entries after from go to cons (unless
// noAck) and move the group's last delivered ID.
func (c *Ctx) deliverNew(e *keyspace.Entry, s *stream.Stream, g *stream.Group, cons *stream.Consumer, from stream.ID, count int64, noAck bool) {
	start, ok := from.Next()
	if !ok {
		c.W.Array(0)
		return
	}
	c.W.Array(int(s.CountRange(start, stream.MaxID, false, count)))
	s.Visit(start, stream.MaxID, false, count, nil, func(id stream.ID, fields [][]byte) bool {
		if g.LastID.Less(id) {
			if g.EntriesRead != stream.InvalidRead && !s.HasTombstones(id, nil) {
				g.EntriesRead++
			} else if s.EntriesAdded > 0 {
				g.EntriesRead = s.EstimateDistance(id)
			}
			g.LastID = id
		}
		c.replyStreamFields(id, fields)
		if !noAck {
			g.Deliver(id, cons, c.Now)
		}
		return true
	})
	c.Dirty(1)
}

// replyConsumerHistory is XREADGROUP with an ID: the entries pending for
// cons after from, each delivered once more; an entry deleted since is
// reported with a null body.
func (c *Ctx) replyConsumerHistory(e *keyspace.Entry, s *stream.Stream, cons *stream.Consumer, from stream.ID, count int64) {
	start, ok := from.Next()
	if !ok {
		c.W.Array(0)
		return
	}
	var pel []*stream.Pending
	cons.AscendPending(start, func(p *stream.Pending) bool {
		pel = append(pel, p)
		return count <= 0 || int64(len(pel)) < count
	})
	c.W.Array(len(pel))
	for _, p := range pel {
		en := s.Get(p.ID)
		if en == nil {
			c.W.Array(2)
			c.replyStreamID(p.ID)
			c.W.NullArray()
			continue
		}
		c.replyStreamEntry(en)
		p.DeliveryTime = c.Now
		p.DeliveryCount++
	}
	c.Dirty(1)
}

// --- XGROUP ---

func xgroupCmd(c *Ctx) {
	sub := c.Cmd.Name[len("xgroup|"):]
	mkstream := false
	entriesRead := int64(stream.InvalidRead)
	// Argument counts and options are checked before the key is looked
	// up, as Redis does.
	if sub == "create" && len(c.Args) > 8 || sub == "setid" && len(c.Args) != 5 && len(c.Args) != 7 {
		c.subcommandSyntaxError()
		return
	}
	switch {
	case sub == "create" && len(c.Args) <= 8:
		for i := 5; i < len(c.Args); {
			switch {
			case eqFold(c.Args[i], "mkstream"):
				mkstream = true
				i++
			case eqFold(c.Args[i], "entriesread") && i+1 < len(c.Args):
				n, ok := c.entriesReadArg(c.Args[i+1])
				if !ok {
					return
				}
				entriesRead = n
				i += 2
			default:
				c.subcommandSyntaxError()
				return
			}
		}
	case sub == "setid" && len(c.Args) == 7:
		if !eqFold(c.Args[5], "entriesread") {
			c.subcommandSyntaxError()
			return
		}
		n, ok := c.entriesReadArg(c.Args[6])
		if !ok {
			return
		}
		entriesRead = n
	}
	key, name := c.Args[2], c.Args[3]
	e, s, ok := c.getStream(key, true)
	if !ok {
		return
	}
	if e == nil && !mkstream {
		c.Error(ErrXGroupNoKey)
		return
	}
	var g *stream.Group
	if s != nil {
		g = s.Group(name)
	}
	if g == nil && (sub == "setid" || sub == "createconsumer" || sub == "delconsumer") {
		c.Errorf(ErrNoGroupForKey, cstr(name), cstr(key))
		return
	}
	switch sub {
	case "create":
		var id stream.ID
		if a := c.Args[4]; len(a) == 1 && a[0] == '$' {
			if s != nil {
				id = s.LastID
			}
		} else if id, ok = c.streamID(a, 0, true); !ok {
			return
		}
		if e == nil {
			s = stream.New()
			e = c.DB.SetObject(key, s, c.Now)
			c.DB.Modified(e, 0)
		}
		c.DB.WillModify(e)
		if s.CreateGroup(name, id, entriesRead) == nil {
			c.Error(ErrBusyGroup)
			return
		}
		c.notify(evStream, "xgroup-create", key)
		c.Dirty(1)
		c.W.OK()
	case "setid":
		var id stream.ID
		if a := c.Args[4]; len(a) == 1 && a[0] == '$' {
			id = s.LastID
		} else if id, ok = c.streamID(a, 0, false); !ok {
			return
		}
		c.DB.WillModify(e)
		g.LastID, g.EntriesRead = id, entriesRead
		c.notify(evStream, "xgroup-setid", key)
		c.Dirty(1)
		c.W.OK()
	case "destroy":
		if g == nil {
			c.W.Int(0)
			return
		}
		c.DB.WillModify(e)
		s.DestroyGroup(name)
		c.notify(evStream, "xgroup-destroy", key)
		// Modified wakes XREADGROUP waiters on the group: they get NOGROUP.
		c.DB.Modified(e, 1)
		c.W.Int(1)
	case "createconsumer":
		if g.Consumer(c.Args[4]) != nil {
			c.W.Int(0)
			return
		}
		c.DB.WillModify(e)
		c.createConsumer(g, c.Args[4], key)
		c.W.Int(1)
	case "delconsumer":
		if g.Consumer(c.Args[4]) == nil {
			c.W.Int(0)
			return
		}
		c.DB.WillModify(e)
		n := g.DeleteConsumer(c.Args[4])
		c.notify(evStream, "xgroup-delconsumer", key)
		c.Dirty(1)
		c.W.Int(int64(n))
	}
}

// entriesReadArg parses ENTRIESREAD's value: a counter, or -1 for unknown.
func (c *Ctx) entriesReadArg(arg []byte) (int64, bool) {
	n, ok := c.intArg(arg)
	if ok && n < 0 && n != stream.InvalidRead {
		c.Error(ErrStreamEntriesRead)
		return 0, false
	}
	return n, ok
}

func xgroupHelpCmd(c *Ctx) {
	replyHelp(c,
		"CREATE <key> <groupname> <id|$> [option]",
		"    Create a new consumer group. Options are:",
		"    * MKSTREAM",
		"      Create the empty stream if it does not exist.",
		"    * ENTRIESREAD entries_read",
		"      Set the group's entries_read counter (internal use).",
		"CREATECONSUMER <key> <groupname> <consumer>",
		"    Create a new consumer in the specified group.",
		"DELCONSUMER <key> <groupname> <consumer>",
		"    Remove the specified consumer.",
		"DESTROY <key> <groupname>",
		"    Remove the specified group.",
		"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
		"    Set the current group ID and entries_read counter.",
	)
}

// --- XACK ---

func xackCmd(c *Ctx) {
	e, s, ok := c.getStream(c.Args[1], false)
	if !ok {
		return
	}
	var g *stream.Group
	if e != nil {
		g = s.Group(c.Args[2])
	}
	if g == nil {
		c.W.Int(0)
		return
	}
	ids, ok := c.strictIDs(c.Args[3:])
	if !ok {
		return
	}
	c.DB.WillModify(e)
	var acked int64
	for _, id := range ids {
		if g.Ack(id) {
			acked++
		}
	}
	c.Dirty(acked)
	c.W.Int(acked)
}

// streamGroupOrNoGroup finds key's stream and its group for XPENDING,
// XCLAIM and XAUTOCLAIM, replying NOGROUP when either is missing.
func (c *Ctx) streamGroupOrNoGroup(write bool) (*keyspace.Entry, *stream.Stream, *stream.Group, bool) {
	e, s, ok := c.getStream(c.Args[1], write)
	if !ok {
		return nil, nil, nil, false
	}
	var g *stream.Group
	if e != nil {
		g = s.Group(c.Args[2])
	}
	if g == nil {
		c.Errorf(ErrNoGroupKeyOrGroup, cstr(c.Args[1]), cstr(c.Args[2]))
		return nil, nil, nil, false
	}
	return e, s, g, true
}

// --- XPENDING ---

func xpendingCmd(c *Ctx) {
	n := len(c.Args)
	if n != 3 && (n < 6 || n > 9) {
		c.SyntaxError()
		return
	}
	var start, end stream.ID
	var count, minIdle int64
	var consumer []byte
	if n >= 6 {
		at := 3
		if eqFold(c.Args[3], "idle") {
			v, ok := c.intArg(c.Args[4])
			if !ok {
				return
			}
			minIdle = v
			if n < 8 {
				c.SyntaxError()
				return
			}
			at += 2
		}
		v, ok := c.intArg(c.Args[at+2])
		if !ok {
			return
		}
		count = max(v, 0)
		if start, ok = c.intervalID(c.Args[at], 0, true); !ok {
			return
		}
		if end, ok = c.intervalID(c.Args[at+1], math.MaxUint64, false); !ok {
			return
		}
		if at+3 < n {
			consumer = c.Args[at+3]
		}
	}
	_, _, g, ok := c.streamGroupOrNoGroup(false)
	if !ok {
		return
	}
	if n == 3 {
		c.W.Array(4)
		c.W.Int(int64(g.PendingCount()))
		if g.PendingCount() == 0 {
			c.W.Null()
			c.W.Null()
			c.W.NullArray()
			return
		}
		c.replyStreamID(g.FirstPending().ID)
		c.replyStreamID(g.LastPending().ID)
		var busy []*stream.Consumer
		for _, cons := range g.Consumers() {
			if cons.PendingCount() > 0 {
				busy = append(busy, cons)
			}
		}
		c.W.Array(len(busy))
		for _, cons := range busy {
			c.W.Array(2)
			c.W.Bulk(cons.Name)
			c.W.BulkInt(int64(cons.PendingCount()))
		}
		return
	}
	ascend := g.AscendPending
	if consumer != nil {
		cons := g.Consumer(consumer)
		if cons == nil {
			c.W.Array(0)
			return
		}
		ascend = cons.AscendPending
	}
	var out []*stream.Pending
	ascend(start, func(p *stream.Pending) bool {
		if count == 0 || end.Less(p.ID) {
			return false
		}
		if minIdle == 0 || c.Now-p.DeliveryTime >= minIdle {
			out = append(out, p)
			count--
		}
		return true
	})
	c.W.Array(len(out))
	for _, p := range out {
		c.W.Array(4)
		c.replyStreamID(p.ID)
		c.W.Bulk(p.Consumer.Name)
		c.W.Int(max(c.Now-p.DeliveryTime, 0))
		c.W.Int(int64(p.DeliveryCount))
	}
}

// --- XCLAIM / XAUTOCLAIM ---

func xclaimCmd(c *Ctx) {
	e, s, g, ok := c.streamGroupOrNoGroup(false)
	if !ok {
		return
	}
	minIdle, ok := c.intArgOr(c.Args[4], ErrXClaimMinIdle)
	if !ok {
		return
	}
	minIdle = max(minIdle, 0)
	j := 5
	var ids []stream.ID
	for ; j < len(c.Args); j++ {
		a := c.Args[j]
		if len(a) == 1 && (a[0] == '-' || a[0] == '+') {
			break
		}
		id, _, ok := stream.ParseID(a, 0, false)
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	var force, justID bool
	retry, delivery := int64(-1), int64(-1)
	var lastID stream.ID
	for ; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		opt := c.Args[j]
		switch {
		case eqFold(opt, "force"):
			force = true
		case eqFold(opt, "justid"):
			justID = true
		case eqFold(opt, "idle") && more > 0:
			j++
			v, ok := c.intArgOr(c.Args[j], ErrXClaimIdle)
			if !ok {
				return
			}
			delivery = c.Now - v
		case eqFold(opt, "time") && more > 0:
			j++
			if delivery, ok = c.intArgOr(c.Args[j], ErrXClaimTime); !ok {
				return
			}
		case eqFold(opt, "retrycount") && more > 0:
			j++
			if retry, ok = c.intArgOr(c.Args[j], ErrXClaimRetry); !ok {
				return
			}
		case eqFold(opt, "lastid") && more > 0:
			j++
			if lastID, ok = c.streamID(c.Args[j], 0, true); !ok {
				return
			}
		default:
			c.Errorf(ErrXClaimOption, cstr(opt))
			return
		}
	}
	c.DB.WillModify(e)
	if g.LastID.Less(lastID) {
		g.LastID = lastID
		c.Dirty(1)
	}
	if delivery != -1 {
		if delivery < 0 || delivery > c.Now {
			delivery = c.Now
		}
	} else {
		delivery = c.Now
	}
	var cons *stream.Consumer
	type claimed struct {
		id    stream.ID
		entry *stream.Entry
	}
	var out []claimed
	for _, id := range ids {
		p := g.FindPending(id)
		en := s.Get(id)
		if en == nil {
			if p != nil {
				g.Ack(id)
				c.Dirty(1)
			}
			continue
		}
		if force && p == nil {
			p = g.AddPending(id)
		}
		if p == nil {
			continue
		}
		if p.Consumer != nil && minIdle != 0 && c.Now-p.DeliveryTime < minIdle {
			continue
		}
		if cons == nil {
			cons = c.streamConsumer(e, g, c.Args[3], c.Args[1])
		}
		g.Claim(p, cons)
		p.DeliveryTime = delivery
		if retry >= 0 {
			p.DeliveryCount = uint64(retry)
		} else if !justID {
			p.DeliveryCount++
		}
		out = append(out, claimed{id, en})
		c.Dirty(1)
	}
	c.W.Array(len(out))
	for _, cl := range out {
		if justID {
			c.replyStreamID(cl.id)
		} else {
			c.replyStreamEntry(cl.entry)
		}
	}
}

// xautoclaimMaxCount is the largest COUNT whose 16 bytes per ID Redis can
// allocate on a 64-bit machine (a 47-bit address space).
const xautoclaimMaxCount = 1 << 47 / 16

func xautoclaimCmd(c *Ctx) {
	minIdle, ok := c.intArgOr(c.Args[4], ErrXAutoClaimMinIdle)
	if !ok {
		return
	}
	minIdle = max(minIdle, 0)
	start, ok := c.intervalID(c.Args[5], 0, true)
	if !ok {
		return
	}
	count := int64(100)
	justID := false
	for j := 6; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		switch {
		case eqFold(c.Args[j], "count") && more > 0:
			v, ok := parseInt(c.Args[j+1])
			if !ok || v < 1 || v > math.MaxInt64/16 {
				c.Error(ErrXAutoClaimCount)
				return
			}
			count = v
			j++
		case eqFold(c.Args[j], "justid"):
			justID = true
		default:
			c.SyntaxError()
			return
		}
	}
	e, s, g, ok := c.streamGroupOrNoGroup(false)
	if !ok {
		return
	}
	// Redis allocates room for count deleted IDs up front, and refuses a
	// count the address space cannot hold.
	if count > xautoclaimMaxCount {
		c.Error(ErrXAutoClaimMemory)
		return
	}
	c.DB.WillModify(e)
	attempts := count * 10
	var cons *stream.Consumer
	var claimed []*stream.Entry
	var claimedIDs, deleted []stream.ID
	// next returns the first pending entry at or after from.
	next := func(from stream.ID) *stream.Pending {
		var found *stream.Pending
		g.AscendPending(from, func(p *stream.Pending) bool {
			found = p
			return false
		})
		return found
	}
	p := next(start)
	for attempts > 0 && count > 0 && p != nil {
		attempts--
		id := p.ID
		after, more := id.Next()
		en := s.Get(id)
		if en == nil {
			deleted = append(deleted, id)
			g.Ack(id)
			c.Dirty(1)
			count--
		} else if minIdle == 0 || c.Now-p.DeliveryTime >= minIdle {
			if cons == nil {
				cons = c.streamConsumer(e, g, c.Args[3], c.Args[1])
			}
			g.Claim(p, cons)
			p.DeliveryTime = c.Now
			if !justID {
				p.DeliveryCount++
			}
			claimed = append(claimed, en)
			claimedIDs = append(claimedIDs, id)
			count--
			c.Dirty(1)
		}
		p = nil
		if more {
			p = next(after)
		}
	}
	var cursor stream.ID
	if p != nil {
		cursor = p.ID
	}
	c.W.Array(3)
	c.replyStreamID(cursor)
	c.W.Array(len(claimedIDs))
	for k, id := range claimedIDs {
		if justID {
			c.replyStreamID(id)
		} else {
			c.replyStreamEntry(claimed[k])
		}
	}
	c.W.Array(len(deleted))
	for _, id := range deleted {
		c.replyStreamID(id)
	}
}
