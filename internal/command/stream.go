package command

import (
	"math"
	"sync"

	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/resp"
	"github.com/enclavekv/enclavekv/internal/types/stream"
)

// Streams: XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID and XREAD
// here; consumer groups (XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM,
// XAUTOCLAIM) in streamgroup.go and XINFO in streaminfo.go.

func init() {
	register(
		&Command{Name: "xadd", Arity: -5, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Handler: xaddCmd},
		&Command{Name: "xrange", Arity: -4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: xrangeCmd},
		&Command{Name: "xrevrange", Arity: -4, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: xrangeCmd},
		&Command{Name: "xlen", Arity: 2, Flags: ReadOnly | Fast, FirstKey: 1, LastKey: 1, Handler: xlenCmd},
		&Command{Name: "xdel", Arity: -3, Flags: Write | Fast, FirstKey: 1, LastKey: 1, Handler: xdelCmd},
		&Command{Name: "xtrim", Arity: -4, Flags: Write, FirstKey: 1, LastKey: 1, Handler: xtrimCmd},
		&Command{Name: "xsetid", Arity: -3, Flags: Write | DenyOOM | Fast, FirstKey: 1, LastKey: 1, Handler: xsetidCmd},
		&Command{Name: "xread", Arity: -4, Flags: ReadOnly | Blocking, Handler: xreadCmd},
	)
}

func (c *Ctx) streamLimits() stream.Limits {
	if c.St == nil || c.St.Config == nil {
		return stream.DefaultLimits
	}
	return stream.Limits{Entries: c.St.Config.Int("stream-node-max-entries"), Bytes: c.St.Config.Int("stream-node-max-bytes")}
}

func (c *Ctx) getStream(key []byte, write bool) (*keyspace.Entry, *stream.Stream, bool) {
	return lookupAs[*stream.Stream](c, key, write)
}

// streamID parses an ID argument as Redis's streamGenericParseIDOrReply:
// "-" and "+" unless strict, "ms" (seq missingSeq) or "ms-seq".
func (c *Ctx) streamID(arg []byte, missingSeq uint64, strict bool) (stream.ID, bool) {
	if len(arg) == 1 && (arg[0] == '-' || arg[0] == '+') {
		if strict {
			c.Error(ErrStreamID)
			return stream.ID{}, false
		}
		if arg[0] == '-' {
			return stream.ID{}, true
		}
		return stream.MaxID, true
	}
	id, _, ok := stream.ParseID(arg, missingSeq, false)
	if !ok {
		c.Error(ErrStreamID)
	}
	return id, ok
}

// intervalID parses a range bound: an ID, "-", "+", or "(" and a strict ID
// for an exclusive bound, which is stepped inwards (start up, end down).
func (c *Ctx) intervalID(arg []byte, missingSeq uint64, start bool) (stream.ID, bool) {
	if len(arg) > 1 && arg[0] == '(' {
		id, ok := c.streamID(arg[1:], missingSeq, true)
		if !ok {
			return id, false
		}
		var moved bool
		if start {
			id, moved = id.Next()
		} else {
			id, moved = id.Prev()
		}
		if !moved {
			if start {
				c.Error(ErrStreamStartID)
			} else {
				c.Error(ErrStreamEndID)
			}
		}
		return id, moved
	}
	return c.streamID(arg, missingSeq, false)
}

// strictIDs parses every argument as a strict ID (XDEL, XACK: all are
// checked before anything changes).
func (c *Ctx) strictIDs(args [][]byte) ([]stream.ID, bool) {
	ids := make([]stream.ID, 0, len(args))
	for _, a := range args {
		id, ok := c.streamID(a, 0, true)
		if !ok {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

func (c *Ctx) replyStreamID(id stream.ID) {
	var buf [48]byte
	c.W.Bulk(id.Append(buf[:0]))
}

// replyStreamEntry writes [id, [field, value, ...]].
func (c *Ctx) replyStreamEntry(e *stream.Entry) { c.replyStreamFields(e.ID, e.Fields) }

// replyStreamRange writes the entries of [start, end] (count 0: all) as
// an array and returns how many there were.
func (c *Ctx) replyStreamRange(s *stream.Stream, start, end stream.ID, rev bool, count int64) int64 {
	n := s.CountRange(start, end, rev, count)
	c.W.Array(int(n))
	s.Visit(start, end, rev, count, nil, func(id stream.ID, fields [][]byte) bool {
		c.replyStreamFields(id, fields)
		return true
	})
	return n
}

// replyStreamFields writes one entry, [id, [field, value, ...]].
func (c *Ctx) replyStreamFields(id stream.ID, fields [][]byte) {
	c.W.Array(2)
	c.replyStreamID(id)
	c.W.Array(len(fields))
	for _, f := range fields {
		c.W.Bulk(f)
	}
}

// --- XADD / XTRIM ---

const (
	trimNone = iota
	trimMaxLen
	trimMinID
)

// addTrimArgs are XADD's and XTRIM's options.
type addTrimArgs struct {
	strategy          int
	maxLen            int64
	minID             stream.ID
	approx            bool
	limit             int64
	noMkStream        bool
	id                stream.ID
	idGiven, seqGiven bool
}

// parseAddTrim reads the options from argument 2 on, as Redis's
// streamParseAddOrTrimArgsOrReply. For XADD it stops at the ID and
// returns its position.
func (c *Ctx) parseAddTrim(xadd bool) (a addTrimArgs, idPos int, ok bool) {
	limitGiven := false
	i := 2
	for ; i < len(c.Args); i++ {
		more := len(c.Args) - 1 - i
		opt := c.Args[i]
		switch {
		case xadd && len(opt) == 1 && opt[0] == '*':
			return a, i, c.finishAddTrim(&a, limitGiven, xadd)
		case (eqFold(opt, "maxlen") || eqFold(opt, "minid")) && more > 0:
			if a.strategy != trimNone {
				c.Error(ErrStreamTrimBoth)
				return a, 0, false
			}
			a.approx = false
			if next := c.Args[i+1]; more >= 2 && len(next) == 1 && (next[0] == '~' || next[0] == '=') {
				a.approx = next[0] == '~'
				i++
			}
			if eqFold(opt, "maxlen") {
				n, ok := c.intArg(c.Args[i+1])
				if !ok {
					return a, 0, false
				}
				if n < 0 {
					c.Error(ErrStreamMaxLenNeg)
					return a, 0, false
				}
				a.maxLen, a.strategy = n, trimMaxLen
			} else {
				id, ok := c.streamID(c.Args[i+1], 0, true)
				if !ok {
					return a, 0, false
				}
				a.minID, a.strategy = id, trimMinID
			}
			i++
		case eqFold(opt, "limit") && more > 0:
			n, ok := c.intArg(c.Args[i+1])
			if !ok {
				return a, 0, false
			}
			if n < 0 {
				c.Error(ErrStreamLimitNeg)
				return a, 0, false
			}
			a.limit, limitGiven = n, true
			i++
		case xadd && eqFold(opt, "nomkstream"):
			a.noMkStream = true
		case xadd:
			id, seqGiven, ok := stream.ParseID(opt, 0, true)
			if !ok || len(opt) == 1 && (opt[0] == '-' || opt[0] == '+') {
				c.Error(ErrStreamID)
				return a, 0, false
			}
			a.id, a.idGiven, a.seqGiven = id, true, seqGiven
			return a, i, c.finishAddTrim(&a, limitGiven, xadd)
		default:
			c.SyntaxError()
			return a, 0, false
		}
	}
	return a, i, c.finishAddTrim(&a, limitGiven, xadd)
}

func (c *Ctx) finishAddTrim(a *addTrimArgs, limitGiven, xadd bool) bool {
	if a.limit != 0 && a.strategy == trimNone {
		c.Error(ErrStreamLimitNoTrim)
		return false
	}
	if !xadd && a.strategy == trimNone {
		c.Error(ErrStreamXTrimNoTrim)
		return false
	}
	switch {
	case limitGiven && !a.approx:
		c.Error(ErrStreamLimitNoApprox)
		return false
	case !limitGiven && a.approx:
		a.limit = 100 * c.streamLimits().Entries
		if a.limit <= 0 || a.limit > 1<<30 {
			a.limit = 10000
		}
	case !limitGiven:
		a.limit = 0
	}
	return true
}

// trim applies the trimming options and reports how many entries went.
func (a *addTrimArgs) trim(s *stream.Stream) int64 {
	switch a.strategy {
	case trimMaxLen:
		return s.Trim(false, uint64(a.maxLen), stream.ID{}, a.approx, a.limit)
	case trimMinID:
		return s.Trim(true, 0, a.minID, a.approx, a.limit)
	}
	return 0
}

func xaddCmd(c *Ctx) {
	a, idPos, ok := c.parseAddTrim(true)
	if !ok {
		return
	}
	fieldPos := idPos + 1
	if n := len(c.Args) - fieldPos; n < 2 || n%2 == 1 {
		c.WrongArity()
		return
	}
	if a.idGiven && a.seqGiven && a.id.IsZero() {
		c.Error(ErrStreamXAddZero)
		return
	}
	key := c.Args[1]
	e, s, ok := c.getStream(key, true)
	if !ok {
		return
	}
	if e == nil && a.noMkStream {
		c.W.Null()
		return
	}
	if e == nil {
		s = stream.New()
	}
	if s.LastID == stream.MaxID {
		c.Error(ErrStreamExhausted)
		return
	}
	var id stream.ID
	switch {
	case !a.idGiven:
		id, _ = s.NextAutoID(c.Now)
	case !a.seqGiven:
		if a.id.Ms < s.LastID.Ms {
			c.Error(ErrStreamXAddSmall)
			return
		}
		if id, ok = s.ResolveID(a.id.Ms); !ok {
			// Redis 7.0 gives this text here, though the elements are fine.
			c.Error(ErrStreamTooLarge)
			return
		}
	default:
		id = a.id
	}
	if !s.LastID.Less(id) {
		c.Error(ErrStreamXAddSmall)
		return
	}
	if e != nil {
		c.DB.WillModify(e)
	}
	if err := s.Add(id, c.Args[fieldPos:], c.streamLimits()); err != nil {
		c.Error(ErrStreamTooLarge)
		return
	}
	if e == nil {
		e = c.DB.SetObject(key, s, c.Now)
	}
	c.replyStreamID(id)
	c.notify(evStream, "xadd", key)
	if a.trim(s) > 0 {
		c.notify(evStream, "xtrim", key)
	}
	c.DB.Modified(e, 1)
}

func xtrimCmd(c *Ctx) {
	a, _, ok := c.parseAddTrim(false)
	if !ok {
		return
	}
	e, s, ok := c.getStream(c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	c.DB.WillModify(e)
	n := a.trim(s)
	if n > 0 {
		c.notify(evStream, "xtrim", c.Args[1])
		c.DB.Modified(e, n)
	}
	c.W.Int(n)
}

// --- reading ---

func xrangeCmd(c *Ctx) {
	rev := c.Cmd.Name == "xrevrange"
	startArg, endArg := c.Args[2], c.Args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, ok := c.intervalID(startArg, 0, true)
	if !ok {
		return
	}
	end, ok := c.intervalID(endArg, math.MaxUint64, false)
	if !ok {
		return
	}
	count := int64(-1)
	for j := 4; j < len(c.Args); j++ {
		if eqFold(c.Args[j], "count") && j+1 < len(c.Args) {
			n, ok := c.intArg(c.Args[j+1])
			if !ok {
				return
			}
			count = max(n, 0)
			j++
			continue
		}
		c.SyntaxError()
		return
	}
	e, s, ok := c.getStream(c.Args[1], false)
	if !ok {
		return
	}
	if e == nil {
		c.W.Array(0)
		return
	}
	if count == 0 {
		c.W.NullArray()
		return
	}
	c.replyStreamRange(s, start, end, rev, max(count, 0))
}

func xlenCmd(c *Ctx) {
	e, s, ok := c.getStream(c.Args[1], false)
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(s.Len()))
}

func xdelCmd(c *Ctx) {
	e, s, ok := c.getStream(c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	ids, ok := c.strictIDs(c.Args[2:])
	if !ok {
		return
	}
	c.DB.WillModify(e)
	var deleted int64
	for _, id := range ids {
		if s.Delete(id) {
			deleted++
		}
	}
	if deleted > 0 {
		s.RefreshFirstID()
		c.notify(evStream, "xdel", c.Args[1])
		c.DB.Modified(e, deleted)
	}
	c.W.Int(deleted)
}

func xsetidCmd(c *Ctx) {
	id, ok := c.streamID(c.Args[2], 0, true)
	if !ok {
		return
	}
	entriesAdded := int64(-1)
	var maxDeleted stream.ID
	for i := 3; i < len(c.Args); i += 2 {
		more := len(c.Args) - 1 - i
		switch {
		case eqFold(c.Args[i], "entriesadded") && more > 0:
			n, ok := c.intArg(c.Args[i+1])
			if !ok {
				return
			}
			if n < 0 {
				c.Error(ErrStreamEntriesAdded)
				return
			}
			entriesAdded = n
		case eqFold(c.Args[i], "maxdeletedid") && more > 0:
			m, ok := c.streamID(c.Args[i+1], 0, true)
			if !ok {
				return
			}
			if id.Less(m) {
				c.Error(ErrXSetIDBelowGivenDeleted)
				return
			}
			maxDeleted = m
		default:
			c.SyntaxError()
			return
		}
	}
	e, s, ok := c.getStream(c.Args[1], true)
	if !ok {
		return
	}
	if e == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	if s.Len() > 0 {
		if id.Less(s.LastValidID()) {
			c.Error(ErrXSetIDBelowTop)
			return
		}
		if entriesAdded != -1 && s.Len() > uint64(entriesAdded) {
			c.Error(ErrXSetIDEntriesAdded)
			return
		}
	}
	c.DB.WillModify(e)
	s.LastID = id
	if entriesAdded != -1 {
		s.EntriesAdded = uint64(entriesAdded)
	}
	if !maxDeleted.IsZero() {
		s.MaxDeletedID = maxDeleted
	}
	c.notify(evStream, "xsetid", c.Args[1])
	c.DB.Modified(e, 1)
	c.W.OK()
}

// --- XREAD / XREADGROUP ---

// xreadArgs are XREAD's and XREADGROUP's parsed arguments.
type xreadArgs struct {
	group, consumer []byte
	noAck           bool
	count           int64
	block           bool
	deadline        int64
	keys            [][]byte
	ids             []stream.ID // the ID entries must pass; MaxID for ">"
}

func (c *Ctx) parseXRead(xreadgroup bool) (a xreadArgs, ok bool) {
	streamsAt := 0
	for i := 1; i < len(c.Args); i++ {
		more := len(c.Args) - 1 - i
		opt := c.Args[i]
		switch {
		case eqFold(opt, "block") && more > 0:
			if c.Client.Script {
				c.Errorf(ErrStreamBlockInScript, cstr(c.Args[0]))
				return a, false
			}
			i++
			t, ok := parseInt(c.Args[i])
			if !ok {
				c.Error(ErrTimeoutInvalid)
				return a, false
			}
			if t < 0 {
				c.Error(ErrTimeoutNegative)
				return a, false
			}
			// Redis 7.0 adds the time without an overflow check: a
			// timeout past the end of time waits for ever.
			a.block, a.deadline = true, 0
			if t > 0 && t <= math.MaxInt64-c.Now {
				a.deadline = c.Now + t
			}
		case eqFold(opt, "count") && more > 0:
			i++
			n, ok := c.intArg(c.Args[i])
			if !ok {
				return a, false
			}
			a.count = max(n, 0)
		case eqFold(opt, "streams") && more > 0:
			streamsAt = i + 1
			if (len(c.Args)-streamsAt)%2 != 0 {
				c.Error(ErrStreamUnbalanced) // XREADGROUP too: Redis 7.0's text
				return a, false
			}
			i = len(c.Args)
		case eqFold(opt, "group") && more >= 2:
			if !xreadgroup {
				c.Error(ErrStreamGroupOption)
				return a, false
			}
			a.group, a.consumer = c.Args[i+1], c.Args[i+2]
			i += 2
		case eqFold(opt, "noack"):
			if !xreadgroup {
				c.Error(ErrStreamNoAckOption)
				return a, false
			}
			a.noAck = true
		default:
			c.SyntaxError()
			return a, false
		}
	}
	if streamsAt == 0 {
		c.SyntaxError()
		return a, false
	}
	if xreadgroup && a.group == nil {
		c.Error(ErrStreamMissingGroup)
		return a, false
	}
	n := (len(c.Args) - streamsAt) / 2
	a.keys = c.Args[streamsAt : streamsAt+n]
	a.ids = make([]stream.ID, n)
	for i, arg := range c.Args[streamsAt+n:] {
		key := a.keys[i]
		e, s, ok := c.getStream(key, false)
		if !ok {
			return a, false
		}
		if a.group != nil && (e == nil || s.Group(a.group) == nil) {
			c.Errorf(ErrNoGroupXReadGroup, cstr(key), cstr(a.group))
			return a, false
		}
		switch {
		case len(arg) == 1 && arg[0] == '$':
			if xreadgroup {
				c.Error(ErrStreamDollarGroup)
				return a, false
			}
			if e != nil {
				a.ids[i] = s.LastID
			}
		case len(arg) == 1 && arg[0] == '>':
			if !xreadgroup {
				c.Error(ErrStreamGreaterNoGroup)
				return a, false
			}
			a.ids[i] = stream.MaxID
		default:
			id, ok := c.streamID(arg, 0, true)
			if !ok {
				return a, false
			}
			a.ids[i] = id
		}
	}
	return a, true
}

func xreadCmd(c *Ctx) { c.xread(false) }

func (c *Ctx) xread(xreadgroup bool) {
	a, ok := c.parseXRead(xreadgroup)
	if !ok {
		return
	}
	// Keys are served one after the other, as Redis does: a key named
	// twice finds nothing new the second time. The reply starts with the
	// number served, so the parts go to a scratch writer first.
	out := c.W
	parts := xreadParts.Get().(*resp.Writer)
	parts.Proto, parts.Buf = out.Proto, parts.Buf[:0]
	defer func() {
		if cap(parts.Buf) <= 64<<10 {
			xreadParts.Put(parts)
		}
	}()
	c.W = parts
	served := 0
	for i, key := range a.keys {
		e, s, _ := c.getStream(key, false)
		if e == nil {
			continue
		}
		from, history := a.ids[i], false
		if a.group != nil {
			g := s.Group(a.group)
			switch {
			case from != stream.MaxID:
				history = true
			case s.Len() > 0 && g.LastID.Less(s.LastValidID()):
				from = g.LastID
			default:
				continue
			}
		} else if s.Len() == 0 || !from.Less(s.LastValidID()) {
			continue
		}
		served++
		c.xreadReplyKey(key)
		if a.group == nil {
			start, _ := from.Next()
			c.replyStreamRange(s, start, stream.MaxID, false, a.count)
			continue
		}
		// The consumer is made only when something is served.
		g := s.Group(a.group)
		cons := c.streamConsumer(e, g, a.consumer, key)
		if history {
			c.replyConsumerHistory(e, s, cons, from, a.count)
		} else {
			c.deliverNew(e, s, g, cons, from, a.count, a.noAck)
		}
	}
	c.W = out
	if served > 0 {
		c.xreadReplyHeader(served)
		c.W.Raw(parts.Buf)
		return
	}
	if !a.block {
		c.W.NullArray()
		return
	}
	count := a.count
	if count == 0 {
		count = 1000 // a waiter asking for no limit gets this many at most
	}
	keys, ids := make([][]byte, len(a.keys)), a.ids
	for i, k := range a.keys {
		keys[i] = append([]byte(nil), k...)
	}
	var group, consumer []byte
	if a.group != nil {
		group = append([]byte(nil), a.group...)
		consumer = append([]byte(nil), a.consumer...)
	}
	noAck := a.noAck
	// Redis wakes stream readers when an XADD (or a new value) lands on the
	// key, not on other changes (XSETID, XDEL, XTRIM): what the key held
	// when the wait began tells which happened.
	serial := make([]uint64, len(keys))
	appends := make([]uint64, len(keys))
	for i, k := range keys {
		if _, s, _ := c.getStream(k, false); s != nil {
			serial[i], appends[i] = s.Serial(), s.Appends()
		}
	}
	added := func(i int, s *stream.Stream) bool { return s.Serial() != serial[i] || s.Appends() != appends[i] }
	c.block(keys, a.deadline, func(c *Ctx, key []byte) bool {
		i := 0
		for i < len(keys) && string(keys[i]) != string(key) {
			i++
		}
		if i == len(keys) {
			return false
		}
		e := c.DB.Lookup(key, c.Now)
		s, isStream := (*stream.Stream)(nil), false
		if e != nil {
			s, isStream = e.Obj.(*stream.Stream)
		}
		if group == nil {
			if !isStream || !added(i, s) || !ids[i].Less(s.LastID) {
				return false
			}
			start, _ := ids[i].Next()
			c.xreadReplyHeader(1)
			c.xreadReplyKey(key)
			c.replyStreamRange(s, start, stream.MaxID, false, count)
			return true
		}
		if !isStream {
			c.Error(ErrStreamUnblockedDeleted)
			return true
		}
		g := s.Group(group)
		if g == nil {
			c.Error(ErrNoGroupBlocked)
			return true
		}
		if !added(i, s) || !g.LastID.Less(s.LastID) {
			return false
		}
		cons := c.streamConsumer(e, g, consumer, key)
		c.xreadReplyHeader(1)
		c.xreadReplyKey(key)
		c.deliverNew(e, s, g, cons, g.LastID, count, noAck)
		return true
	})
}

// xreadParts holds the scratch writers XREAD builds its reply in.
var xreadParts = sync.Pool{New: func() any { return new(resp.Writer) }}

// xreadReplyHeader starts an XREAD reply of n keys: an array of [key,
// entries] pairs in RESP2, a map in RESP3.
func (c *Ctx) xreadReplyHeader(n int) {
	if c.W.Proto > 2 {
		c.W.Map(n)
	} else {
		c.W.Array(n)
	}
}

func (c *Ctx) xreadReplyKey(key []byte) {
	if c.W.Proto <= 2 {
		c.W.Array(2)
	}
	c.W.Bulk(key)
}
