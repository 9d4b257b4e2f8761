package rdbconv

import (
	"fmt"

	"github.com/enclavekv/enclavekv/internal/rdb"
	"github.com/enclavekv/enclavekv/internal/types/stream"
)

// streamValue is s in rdb's form. Entries' fields alias s: the value is
// only to be read, and written out before s changes.
func streamValue(s *stream.Stream) *rdb.Stream {
	v := &rdb.Stream{
		Entries:      make([]rdb.StreamEntry, 0, s.Len()),
		Length:       s.Len(),
		LastID:       rdb.StreamID(s.LastID),
		FirstID:      rdb.StreamID(s.FirstID),
		MaxDeletedID: rdb.StreamID(s.MaxDeletedID),
		EntriesAdded: s.EntriesAdded,
		Nodes:        make([]rdb.StreamNode, 0, s.Nodes()),
	}
	// The nodes as they are, deleted entries included, as Redis saves its
	// listpacks: a reload then trims and counts nodes as Redis does.
	s.Layout(func(first bool, e *stream.Entry, deleted bool) {
		if first {
			v.Nodes = append(v.Nodes, rdb.StreamNode{})
		}
		n := &v.Nodes[len(v.Nodes)-1]
		re := rdb.StreamEntry{ID: rdb.StreamID(e.ID), Fields: e.Fields}
		n.Entries = append(n.Entries, re)
		n.Deleted = append(n.Deleted, deleted)
		if !deleted {
			v.Entries = append(v.Entries, re)
		}
	})
	for _, g := range s.Groups() {
		rg := rdb.StreamGroup{Name: g.Name, LastID: rdb.StreamID(g.LastID), EntriesRead: g.EntriesRead}
		g.AscendPending(stream.ID{}, func(p *stream.Pending) bool {
			rg.PEL = append(rg.PEL, rdb.PendingEntry{ID: rdb.StreamID(p.ID), DeliveryTimeMs: p.DeliveryTime, DeliveryCount: p.DeliveryCount})
			return true
		})
		for _, c := range g.Consumers() {
			rc := rdb.Consumer{Name: c.Name, SeenTimeMs: c.SeenTime, ActiveTimeMs: c.SeenTime}
			c.AscendPending(stream.ID{}, func(p *stream.Pending) bool {
				rc.PEL = append(rc.PEL, rdb.StreamID(p.ID))
				return true
			})
			rg.Consumers = append(rg.Consumers, rc)
		}
		v.Groups = append(v.Groups, rg)
	}
	return v
}

// layoutOf reports whether v's node layout can be loaded as it is: nodes
// in master-ID order, each with entries, whose live entries are v's.
func layoutOf(v *rdb.Stream) bool {
	i := 0
	for j, n := range v.Nodes {
		if len(n.Entries) == 0 || len(n.Deleted) != len(n.Entries) {
			return false
		}
		if j > 0 && !v.Nodes[j-1].Entries[0].ID.Less(n.Entries[0].ID) {
			return false
		}
		for k, e := range n.Entries {
			if n.Deleted[k] {
				continue
			}
			if i >= len(v.Entries) || v.Entries[i].ID != e.ID {
				return false
			}
			i++
		}
	}
	return len(v.Nodes) > 0 && i == len(v.Entries)
}

// streamObject rebuilds a stream from rdb's form, with the node layout
// the file had (as Redis keeps a loaded stream's listpacks), or cut by the
// given limits when the layout is unknown.
func streamObject(v *rdb.Stream, lim stream.Limits) (*stream.Stream, error) {
	if v == nil {
		return nil, fmt.Errorf("stream value without a stream")
	}
	s := stream.New()
	if layoutOf(v) {
		for _, n := range v.Nodes {
			for k, e := range n.Entries {
				if err := s.AddLoaded(stream.ID(e.ID), e.Fields, k == 0, n.Deleted[k]); err != nil {
					return nil, fmt.Errorf("stream entry %d-%d: %w", e.ID.Ms, e.ID.Seq, err)
				}
			}
		}
	} else {
		for _, e := range v.Entries {
			if err := s.Add(stream.ID(e.ID), e.Fields, lim); err != nil {
				return nil, fmt.Errorf("stream entry %d-%d: %w", e.ID.Ms, e.ID.Seq, err)
			}
		}
	}
	if uint64(len(v.Entries)) != v.Length {
		return nil, fmt.Errorf("stream length %d but %d entries", v.Length, len(v.Entries))
	}
	if s.LastID.Less(stream.ID(v.LastID)) || s.LastID == stream.ID(v.LastID) {
		s.LastID = stream.ID(v.LastID)
	} else {
		return nil, fmt.Errorf("stream last ID %d-%d is below its last entry", v.LastID.Ms, v.LastID.Seq)
	}
	s.FirstID = stream.ID(v.FirstID)
	s.MaxDeletedID = stream.ID(v.MaxDeletedID)
	s.EntriesAdded = v.EntriesAdded
	for _, rg := range v.Groups {
		g := s.CreateGroup(rg.Name, stream.ID(rg.LastID), rg.EntriesRead)
		if g == nil {
			return nil, fmt.Errorf("consumer group %q appears twice", rg.Name)
		}
		owner := make(map[rdb.StreamID]*stream.Consumer, len(rg.PEL))
		for _, rc := range rg.Consumers {
			c := g.CreateConsumer(rc.Name, rc.SeenTimeMs)
			if c == nil {
				return nil, fmt.Errorf("consumer %q appears twice in group %q", rc.Name, rg.Name)
			}
			for _, id := range rc.PEL {
				if owner[id] != nil {
					return nil, fmt.Errorf("pending entry %d-%d has two consumers", id.Ms, id.Seq)
				}
				owner[id] = c
			}
		}
		for _, p := range rg.PEL {
			c := owner[p.ID]
			if c == nil {
				// Every command that lists pending entries names the owner.
				return nil, fmt.Errorf("pending entry %d-%d of group %q has no consumer", p.ID.Ms, p.ID.Seq, rg.Name)
			}
			if g.FindPending(stream.ID(p.ID)) != nil {
				return nil, fmt.Errorf("pending entry %d-%d appears twice in group %q", p.ID.Ms, p.ID.Seq, rg.Name)
			}
			g.RestorePending(stream.ID(p.ID), c, p.DeliveryTimeMs, p.DeliveryCount)
			delete(owner, p.ID)
		}
		if len(owner) > 0 {
			return nil, fmt.Errorf("a consumer of group %q has entries the group does not have pending", rg.Name)
		}
	}
	return s, nil
}
