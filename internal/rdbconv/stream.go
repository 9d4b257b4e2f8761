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
		Nodes:        s.NodeSizes(),
	}
	s.Each(func(e *stream.Entry) bool {
		v.Entries = append(v.Entries, rdb.StreamEntry{ID: rdb.StreamID(e.ID), Fields: e.Fields})
		return true
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

// streamObject rebuilds a stream from rdb's form, with the node layout
// the file had (as Redis keeps a loaded stream's listpacks), or cut by the
// given limits when the layout is unknown.
func streamObject(v *rdb.Stream, lim stream.Limits) (*stream.Stream, error) {
	if v == nil {
		return nil, fmt.Errorf("stream value without a stream")
	}
	s := stream.New()
	layout := v.Nodes
	sum := 0
	for _, k := range layout {
		sum += k
	}
	if sum != len(v.Entries) {
		layout = nil
	}
	node, left := 0, 0
	for _, e := range v.Entries {
		var err error
		if layout == nil {
			err = s.Add(stream.ID(e.ID), e.Fields, lim)
		} else {
			fresh := left == 0
			if fresh {
				left = layout[node]
				node++
			}
			left--
			err = s.AddLoaded(stream.ID(e.ID), e.Fields, fresh)
		}
		if err != nil {
			return nil, fmt.Errorf("stream entry %d-%d: %w", e.ID.Ms, e.ID.Seq, err)
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
