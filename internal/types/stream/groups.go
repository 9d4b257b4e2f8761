package stream

import (
	"bytes"
	"sort"
)

// Pending is an entry delivered to a consumer and not yet acknowledged
// (a NACK in Redis's words).
type Pending struct {
	ID            ID
	Consumer      *Consumer
	DeliveryTime  int64 // Unix ms
	DeliveryCount uint64
}

// Consumer is a named reader of a group.
type Consumer struct {
	Name     []byte
	SeenTime int64 // Unix ms
	pel      []*Pending
}

// PendingCount is the number of entries pending for c.
func (c *Consumer) PendingCount() int { return len(c.pel) }

// Pending returns c's pending entries in ID order (not to be changed).
func (c *Consumer) Pending() []*Pending { return c.pel }

// Group is a consumer group.
type Group struct {
	Name        []byte
	LastID      ID
	EntriesRead int64 // InvalidRead when unknown
	pel         []*Pending
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
	g := &Group{Name: append([]byte(nil), name...), LastID: last, EntriesRead: entriesRead}
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

// PEL returns the group's pending entries in ID order (not to be
// changed).
func (g *Group) PEL() []*Pending { return g.pel }

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
	c := &Consumer{Name: append([]byte(nil), name...), SeenTime: now}
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
	for _, p := range c.pel {
		g.pel = removePending(g.pel, p.ID)
	}
	g.consumers = append(g.consumers[:i], g.consumers[i+1:]...)
	return len(c.pel)
}

// pendingIndex finds id in a PEL sorted by ID.
func pendingIndex(pel []*Pending, id ID) (int, bool) {
	i := sort.Search(len(pel), func(i int) bool { return !pel[i].ID.Less(id) })
	return i, i < len(pel) && pel[i].ID == id
}

func insertPending(pel []*Pending, p *Pending) []*Pending {
	// Deliveries mostly come in ID order: appending is the common case.
	if len(pel) == 0 || pel[len(pel)-1].ID.Less(p.ID) {
		return append(pel, p)
	}
	i, _ := pendingIndex(pel, p.ID)
	pel = append(pel, nil)
	copy(pel[i+1:], pel[i:])
	pel[i] = p
	return pel
}

func removePending(pel []*Pending, id ID) []*Pending {
	if i, ok := pendingIndex(pel, id); ok {
		return append(pel[:i], pel[i+1:]...)
	}
	return pel
}

// FindPending returns the group's pending entry for id, or nil.
func (g *Group) FindPending(id ID) *Pending {
	if i, ok := pendingIndex(g.pel, id); ok {
		return g.pel[i]
	}
	return nil
}

// PendingFrom returns the index of the first pending entry at or after
// id, in pel (a group's or a consumer's).
func PendingFrom(pel []*Pending, id ID) int {
	i, _ := pendingIndex(pel, id)
	return i
}

// Deliver records that entry id went to consumer c at now: a new pending
// entry, or one taken over from whoever had it (XGROUP SETID can make a
// group deliver an ID again).
func (g *Group) Deliver(id ID, c *Consumer, now int64) {
	if p := g.FindPending(id); p != nil {
		if p.Consumer != nil {
			p.Consumer.pel = removePending(p.Consumer.pel, id)
		}
		p.Consumer, p.DeliveryTime, p.DeliveryCount = c, now, 1
		c.pel = insertPending(c.pel, p)
		return
	}
	p := &Pending{ID: id, Consumer: c, DeliveryTime: now, DeliveryCount: 1}
	g.pel = insertPending(g.pel, p)
	c.pel = insertPending(c.pel, p)
}

// Ack removes id from the group's and its consumer's pending lists and
// reports whether it was pending.
func (g *Group) Ack(id ID) bool {
	i, ok := pendingIndex(g.pel, id)
	if !ok {
		return false
	}
	p := g.pel[i]
	g.pel = append(g.pel[:i], g.pel[i+1:]...)
	if p.Consumer != nil {
		p.Consumer.pel = removePending(p.Consumer.pel, id)
	}
	return true
}

// Claim gives pending entry p to c (XCLAIM, XAUTOCLAIM).
func (g *Group) Claim(p *Pending, c *Consumer) {
	if p.Consumer == c {
		return
	}
	if p.Consumer != nil {
		p.Consumer.pel = removePending(p.Consumer.pel, p.ID)
	}
	p.Consumer = c
	c.pel = insertPending(c.pel, p)
}

// AddPending creates a pending entry owned by no one yet (XCLAIM FORCE);
// Claim then gives it its consumer.
func (g *Group) AddPending(id ID) *Pending {
	p := &Pending{ID: id}
	g.pel = insertPending(g.pel, p)
	return p
}

func (g *Group) clone() *Group {
	c := &Group{Name: append([]byte(nil), g.Name...), LastID: g.LastID, EntriesRead: g.EntriesRead}
	byName := map[*Consumer]*Consumer{}
	for _, oc := range g.consumers {
		nc := &Consumer{Name: append([]byte(nil), oc.Name...), SeenTime: oc.SeenTime}
		byName[oc] = nc
		c.consumers = append(c.consumers, nc)
	}
	for _, p := range g.pel {
		np := *p
		np.Consumer = byName[p.Consumer]
		c.pel = append(c.pel, &np)
		if np.Consumer != nil {
			np.Consumer.pel = append(np.Consumer.pel, &np)
		}
	}
	return c
}

// RestorePending adds a pending entry as a snapshot recorded it: owned by
// c (nil when no consumer claims it), last delivered at time, count times.
// IDs may come in any order.
func (g *Group) RestorePending(id ID, c *Consumer, time int64, count uint64) {
	p := &Pending{ID: id, Consumer: c, DeliveryTime: time, DeliveryCount: count}
	g.pel = insertPending(g.pel, p)
	if c != nil {
		c.pel = insertPending(c.pel, p)
	}
}
