package rdb

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// canon renders v in a canonical text form: collections whose order
// carries no meaning are sorted. Tests compare values through it, and
// differential tests render what redis-server replies in the same form.
func canon(v *Value) string {
	var b strings.Builder
	switch v.Kind {
	case KindString:
		fmt.Fprintf(&b, "string %q", v.Str)
	case KindList:
		fmt.Fprintf(&b, "list %d", len(v.List))
		for _, e := range v.List {
			fmt.Fprintf(&b, " %q", e)
		}
	case KindSet:
		m := slices.Clone(v.Set)
		slices.SortFunc(m, bytes.Compare)
		fmt.Fprintf(&b, "set %d", len(m))
		for _, e := range m {
			fmt.Fprintf(&b, " %q", e)
		}
	case KindHash:
		h := slices.Clone(v.Hash)
		slices.SortFunc(h, func(x, y HashField) int { return bytes.Compare(x.Field, y.Field) })
		fmt.Fprintf(&b, "hash %d", len(h))
		for _, f := range h {
			fmt.Fprintf(&b, " %q=%q", f.Field, f.Value)
		}
	case KindZSet:
		z := slices.Clone(v.ZSet)
		slices.SortFunc(z, func(x, y ZMember) int {
			if x.Score != y.Score {
				if x.Score < y.Score {
					return -1
				}
				return 1
			}
			return bytes.Compare(x.Member, y.Member)
		})
		fmt.Fprintf(&b, "zset %d", len(z))
		for _, m := range z {
			fmt.Fprintf(&b, " %q:%s", m.Member, formatScore(m.Score))
		}
	case KindStream:
		s := v.Stream
		fmt.Fprintf(&b, "stream len=%d last=%s first=%s maxdel=%s added=%d", s.Length, fmtID(s.LastID), fmtID(s.FirstID), fmtID(s.MaxDeletedID), s.EntriesAdded)
		for _, e := range s.Entries {
			fmt.Fprintf(&b, "\n  entry %s", fmtID(e.ID))
			for _, f := range e.Fields {
				fmt.Fprintf(&b, " %q", f)
			}
		}
		for _, g := range s.Groups {
			fmt.Fprintf(&b, "\n  group %q last=%s read=%d", g.Name, fmtID(g.LastID), g.EntriesRead)
			for _, p := range g.PEL {
				fmt.Fprintf(&b, "\n    pending %s time=%d count=%d", fmtID(p.ID), p.DeliveryTimeMs, p.DeliveryCount)
			}
			for _, c := range g.Consumers {
				fmt.Fprintf(&b, "\n    consumer %q seen=%d active=%d", c.Name, c.SeenTimeMs, c.ActiveTimeMs)
				for _, id := range c.PEL {
					fmt.Fprintf(&b, " %s", fmtID(id))
				}
			}
		}
	default:
		fmt.Fprintf(&b, "kind %d", v.Kind)
	}
	return b.String()
}

func fmtID(id StreamID) string { return fmt.Sprintf("%d-%d", id.Ms, id.Seq) }

// formatScore formats a score in the shortest form that reads back the
// same double; scores Redis replies with are parsed and formatted so too.
func formatScore(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}
