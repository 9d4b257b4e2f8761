package command

import (
	"bytes"
	"math"
	"slices"
	"strings"

	"github.com/enclavekv/enclavekv/internal/types/hash"
	"github.com/enclavekv/enclavekv/internal/types/list"
	"github.com/enclavekv/enclavekv/internal/types/set"
	"github.com/enclavekv/enclavekv/internal/types/zset"
)

func init() {
	register(
		&Command{Name: "sort", Arity: -2, Flags: Write | DenyOOM, FirstKey: 1, LastKey: 1, Handler: sortCmd},
		&Command{Name: "sort_ro", Arity: -2, Flags: ReadOnly, FirstKey: 1, LastKey: 1, Handler: sortCmd},
	)
}

// sortItem is one element being sorted and what it sorts by.
type sortItem struct {
	elem  string
	score float64
	by    *string // ALPHA with BY: the looked-up value (nil: missing)
}

// lookupByPattern is Redis's lookupKeyByPattern: "#" is the element
// itself; otherwise the first '*' is replaced by it, and "->field" after
// it reads a hash field. Missing keys, fields or a wrong type read as nil.
func (c *Ctx) lookupByPattern(pattern []byte, elem string) *string {
	if len(pattern) == 1 && pattern[0] == '#' {
		return &elem
	}
	star := bytes.IndexByte(pattern, '*')
	if star < 0 {
		return nil
	}
	keyEnd, field := len(pattern), []byte(nil)
	if arrow := bytes.Index(pattern[star+1:], []byte("->")); arrow >= 0 && star+1+arrow+2 < len(pattern) {
		keyEnd = star + 1 + arrow
		field = pattern[keyEnd+2:]
	}
	key := make([]byte, 0, keyEnd+len(elem))
	key = append(key, pattern[:star]...)
	key = append(key, elem...)
	key = append(key, pattern[star+1:keyEnd]...)
	e := c.DB.LookupRead(key, c.Now)
	if e == nil {
		return nil
	}
	if field != nil {
		h, ok := e.Obj.(*hash.Hash)
		if !ok {
			return nil
		}
		if v, found := h.Get(field); found {
			return &v
		}
		return nil
	}
	if e.Obj != nil {
		return nil
	}
	v := string(e.Str)
	return &v
}

func sortCmd(c *Ctx) {
	readOnly := c.Cmd.Name == "sort_ro"
	var by []byte
	var gets [][]byte
	var storeKey []byte
	desc, alpha, dontSort := false, false, false
	limitStart, limitCount := int64(0), int64(-1)
	for j := 2; j < len(c.Args); j++ {
		a, left := c.Args[j], len(c.Args)-j-1
		switch {
		case eqFold(a, "asc"):
			desc = false
		case eqFold(a, "desc"):
			desc = true
		case eqFold(a, "alpha"):
			alpha = true
		case eqFold(a, "limit") && left >= 2:
			var ok bool
			if limitStart, ok = c.intArg(c.Args[j+1]); !ok {
				return
			}
			if limitCount, ok = c.intArg(c.Args[j+2]); !ok {
				return
			}
			j += 2
		case !readOnly && eqFold(a, "store") && left >= 1:
			storeKey = c.Args[j+1]
			j++
		case eqFold(a, "by") && left >= 1:
			by = c.Args[j+1]
			// A pattern without '*' names one key for every element:
			// nothing to sort by.
			if bytes.IndexByte(by, '*') < 0 {
				dontSort = true
			}
			j++
		case eqFold(a, "get") && left >= 1:
			gets = append(gets, c.Args[j+1])
			j++
		default:
			c.SyntaxError()
			return
		}
	}

	e := c.DB.LookupRead(c.Args[1], c.Now)
	if storeKey != nil {
		e = c.DB.Lookup(c.Args[1], c.Now)
	}
	var elems []string
	if e != nil {
		switch o := e.Obj.(type) {
		case *list.List:
			for i := 0; i < o.Len(); i++ {
				elems = append(elems, o.At(i))
			}
		case *set.Set:
			// An unsorted set would come out in table order, which differs
			// between servers: when stored, it is sorted instead.
			if dontSort && storeKey != nil {
				dontSort, alpha, by = false, true, nil
			}
			elems = o.Members()
		case *zset.ZSet:
			o.Range(0, o.Len()-1, dontSort && desc, func(el zset.Elem) bool {
				elems = append(elems, el.Member)
				return true
			})
		default:
			c.Error(ErrWrongType)
			return
		}
	}

	items := make([]sortItem, len(elems))
	for i, el := range elems {
		items[i].elem = el
		if dontSort {
			continue
		}
		if by != nil {
			v := c.lookupByPattern(by, el)
			if alpha {
				items[i].by = v
				continue
			}
			if v != nil {
				f, ok := parseSortScore(*v)
				if !ok {
					c.Error(ErrSortScore)
					return
				}
				items[i].score = f
			}
			continue
		}
		if !alpha {
			f, ok := parseSortScore(el)
			if !ok {
				c.Error(ErrSortScore)
				return
			}
			items[i].score = f
		}
	}
	if !dontSort {
		slices.SortStableFunc(items, func(a, b sortItem) int {
			var cmp int
			switch {
			case !alpha:
				switch {
				case a.score < b.score:
					cmp = -1
				case a.score > b.score:
					cmp = 1
				default:
					cmp = strings.Compare(a.elem, b.elem)
				}
			case by != nil:
				switch {
				case a.by == nil && b.by == nil:
					cmp = 0
				case a.by == nil:
					cmp = -1
				case b.by == nil:
					cmp = 1
				default:
					cmp = strings.Compare(*a.by, *b.by)
				}
			default:
				cmp = strings.Compare(a.elem, b.elem)
			}
			if desc {
				return -cmp
			}
			return cmp
		})
	}

	// LIMIT, clamped as Redis clamps it.
	n := int64(len(items))
	start := max(limitStart, 0)
	end := n - 1
	if limitCount >= 0 {
		end = start + limitCount - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	if end >= n {
		end = n - 1
	}
	if end < start {
		items = nil
	} else {
		items = items[start : end+1]
	}

	var out []*string
	for i := range items {
		el := items[i].elem
		if len(gets) == 0 {
			out = append(out, &el)
			continue
		}
		for _, g := range gets {
			out = append(out, c.lookupByPattern(g, el))
		}
	}
	if storeKey != nil {
		if len(out) == 0 {
			if c.DB.Delete(storeKey, c.Now) {
				c.notify(evGeneric, "del", storeKey)
			}
			c.W.Int(0)
			return
		}
		l := list.New()
		for _, v := range out {
			if v == nil {
				l.PushRight("")
			} else {
				l.PushRight(*v)
			}
		}
		c.DB.SetObject(storeKey, l, c.Now)
		c.notify(evList, "sortstore", storeKey)
		c.W.Int(int64(len(out)))
		return
	}
	c.W.Array(len(out))
	for _, v := range out {
		if v == nil {
			c.W.Null()
		} else {
			c.W.BulkString(*v)
		}
	}
}

// parseSortScore is SORT's strtod: the whole string must be a number
// (leading blanks allowed, "" is 0), and NaN or an out-of-range value is
// an error.
func parseSortScore(s string) (float64, bool) {
	f, ok := parseScore([]byte(s))
	if !ok || math.IsInf(f, 0) && !strings.Contains(strings.ToLower(s), "inf") {
		return 0, false
	}
	return f, true
}
