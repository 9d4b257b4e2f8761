package stream

import (
	"bytes"
	"sort"

	"github.com/google/btree"
)

// Pending is an entry delivered to a consumer and not yet acknowledged
// (a NACK in Redis's words).
type Pending struct {
	ID            ID
	Consumer      *Consumer
	DeliveryTime  int64 // Unix ms
	DeliveryCount uint64
}

// pendingList is a pending-entries list ordered by ID: a B-tree, so that
// acknowledging, claiming or dropping any entry costs O(log n) however
// long the list (Redis keeps a radix tree).
type pendingList = btree.BTreeG[*Pending]

func newPendingList() *pendingList {
	return btree.NewG(16, func(a, b *Pending) bool { return a.ID.Less(b.ID) })
}

// ascend calls fn for the entries of l from ID from on, until fn returns
// false. fn must not add or remove entries.
func ascend(l *pendingList, from ID, fn func(p *Pending) bool) {
	l.AscendGreaterOrEqual(&Pending{ID: from}, fn)
}

// Consumer is a named reader of a group.
type Consumer struct {
	Name     []byte
	SeenTime int64 // Unix ms
	pel      *pendingList
}

// PendingCount is the number of entries pending for c.
func (c *Consumer) PendingCount() int { return c.pel.Len() }

// AscendPending calls fn for c's pending entries from ID from on, in ID
// order, until fn returns false; fn may change an entry's times and
// counts, not the list.
func (c *Consumer) AscendPending(from ID, fn func(p *Pending) bool) { ascend(c.pel, from, fn) }

// Group is a consumer group.
type Group struct {
	Name        []byte
	LastID      ID
	EntriesRead int64 // InvalidRead when unknown
	pel         *pendingList
	consumers   []*Consumer // sorted by name
}

// Groups returns the groups in name order (not to be changed).
func (s *Stream) Groups() []*Group { return s.groups }

// Group finds a group by name.
func (s *Stream) Group(name []byte) *Group {
	i, ok := s.groupIndex(name)
	if !ok {
		return nil
	}
	return s.groups[i]
}

func (s *Stream) groupIndex(name []byte) (int, bool) {
	i := sort.Search(len(s.groups), func(i int) bool { return bytes.Compare(s.groups[i].Name, name) >= 0 })
	return i, i < len(s.groups) && bytes.Equal(s.groups[i].Name, name)
}

// CreateGroup adds a group reading after last; nil if the name exists.
func (s *Stream) CreateGroup(name []byte, last ID, entriesRead int64) *Group {
	i, ok := s.groupIndex(name)
	if ok {
		return nil
	}
	g := &Group{Name: append([]byte(nil), name...), LastID: last, EntriesRead: entriesRead, pel: newPendingList()}
	s.groups = append(s.groups, nil)
	copy(s.groups[i+1:], s.groups[i:])
	s.groups[i] = g
	return g
}

// DestroyGroup removes a group and reports whether it existed.
func (s *Stream) DestroyGroup(name []byte) bool {
	i, ok := s.groupIndex(name)
	if ok {
		s.groups = append(s.groups[:i], s.groups[i+1:]...)
	}
	return ok
}

// PendingCount is the number of entries pending in the group.
func (g *Group) PendingCount() int { return g.pel.Len() }

// FirstPending and LastPending are the lowest and highest pending IDs'
// entries, nil when none is pending.
func (g *Group) FirstPending() *Pending {
	p, _ := g.pel.Min()
	return p
}

func (g *Group) LastPending() *Pending {
	p, _ := g.pel.Max()
	return p
}

// AscendPending calls fn for the group's pending entries from ID from on,
// in ID order, until fn returns false; fn may change an entry's times and
// counts, not the list.
func (g *Group) AscendPending(from ID, fn func(p *Pending) bool) { ascend(g.pel, from, fn) }

// Consumers returns the consumers in name order (not to be changed).
func (g *Group) Consumers() []*Consumer { return g.consumers }

func (g *Group) consumerIndex(name []byte) (int, bool) {
	i := sort.Search(len(g.consumers), func(i int) bool { return bytes.Compare(g.consumers[i].Name, name) >= 0 })
	return i, i < len(g.consumers) && bytes.Equal(g.consumers[i].Name, name)
}

// Consumer finds a consumer by name.
func (g *Group) Consumer(name []byte) *Consumer {
	i, ok := g.consumerIndex(name)
	if !ok {
		return nil
	}
	return g.consumers[i]
}

// CreateConsumer adds a consumer seen at now; nil if it exists.
func (g *Group) CreateConsumer(name []byte, now int64) *Consumer {
	i, ok := g.consumerIndex(name)
	if ok {
		return nil
	}
	c := &Consumer{Name: append([]byte(nil), name...), SeenTime: now, pel: newPendingList()}
	g.consumers = append(g.consumers, nil)
	copy(g.consumers[i+1:], g.consumers[i:])
	g.consumers[i] = c
	return c
}

// DeleteConsumer removes a consumer and its pending entries; it returns
// how many were pending, or -1 when there was no such consumer.
func (g *Group) DeleteConsumer(name []byte) int {
	i, ok := g.consumerIndex(name)
	if !ok {
		return -1
	}
	c := g.consumers[i]
	c.pel.Ascend(func(p *Pending) bool {
		g.pel.Delete(p)
		return true
	})
	g.consumers = append(g.consumers[:i], g.consumers[i+1:]...)
	return c.pel.Len()
}

// FindPending returns the group's pending entry for id, or nil.
func (g *Group) FindPending(id ID) *Pending {
	p, _ := g.pel.Get(&Pending{ID: id})
	return p
}

// Deliver records that entry id went to consumer c at now: a new pending
// entry, or one taken over from whoever had it (XGROUP SETID can make a
// group deliver an ID again).
func (g *Group) Deliver(id ID, c *Consumer, now int64) {
	if p := g.FindPending(id); p != nil {
		if p.Consumer != nil {
			p.Consumer.pel.Delete(p)
		}
		p.Consumer, p.DeliveryTime, p.DeliveryCount = c, now, 1
		c.pel.ReplaceOrInsert(p)
		return
	}
	p := &Pending{ID: id, Consumer: c, DeliveryTime: now, DeliveryCount: 1}
	g.pel.ReplaceOrInsert(p)
	c.pel.ReplaceOrInsert(p)
}

// Ack removes id from the group's and its consumer's pending lists and
// reports whether it was pending.
func (g *Group) Ack(id ID) bool {
	p, ok := g.pel.Delete(&Pending{ID: id})
	if !ok {
		return false
	}
	if p.Consumer != nil {
		p.Consumer.pel.Delete(p)
	}
	return true
}

// Claim gives pending entry p to c (XCLAIM, XAUTOCLAIM).
func (g *Group) Claim(p *Pending, c *Consumer) {
	if p.Consumer == c {
		return
	}
	if p.Consumer != nil {
		p.Consumer.pel.Delete(p)
	}
	p.Consumer = c
	c.pel.ReplaceOrInsert(p)
}

// AddPending creates a pending entry owned by no one yet, delivered once
// (XCLAIM FORCE, as Redis's NACKs start); Claim then gives it its consumer.
func (g *Group) AddPending(id ID) *Pending {
	p := &Pending{ID: id, DeliveryCount: 1}
	g.pel.ReplaceOrInsert(p)
	return p
}

func (g *Group) clone() *Group {
	c := &Group{Name: append([]byte(nil), g.Name...), LastID: g.LastID, EntriesRead: g.EntriesRead, pel: newPendingList()}
	byName := map[*Consumer]*Consumer{}
	for _, oc := range g.consumers {
		nc := &Consumer{Name: append([]byte(nil), oc.Name...), SeenTime: oc.SeenTime, pel: newPendingList()}
		byName[oc] = nc
		c.consumers = append(c.consumers, nc)
	}
	g.pel.Ascend(func(p *Pending) bool {
		np := *p
		np.Consumer = byName[p.Consumer]
		c.pel.ReplaceOrInsert(&np)
		if np.Consumer != nil {
			np.Consumer.pel.ReplaceOrInsert(&np)
		}
		return true
	})
	return c
}

// RestorePending adds a pending entry as a snapshot recorded it: owned by
// c (nil when no consumer claims it), last delivered at time, count times.
// IDs may come in any order.
func (g *Group) RestorePending(id ID, c *Consumer, time int64, count uint64) {
	p := &Pending{ID: id, Consumer: c, DeliveryTime: time, DeliveryCount: count}
	g.pel.ReplaceOrInsert(p)
	if c != nil {
		c.pel.ReplaceOrInsert(p)
	}
}
