// Package rdbconv converts between the keyspace's values and the RDB
// package's neutral ones, for snapshots, DUMP/RESTORE and replication:
// it is where the data types meet the file format, so that neither knows
// the other.
package rdbconv

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/rdb"
	"github.com/enclavekv/enclavekv/internal/types/hash"
	"github.com/enclavekv/enclavekv/internal/types/list"
	"github.com/enclavekv/enclavekv/internal/types/set"
	"github.com/enclavekv/enclavekv/internal/types/stream"
	"github.com/enclavekv/enclavekv/internal/types/zset"
)

// Limits are the compact-encoding thresholds values are rebuilt with when
// loaded, so that OBJECT ENCODING reports what Redis reports after loading
// the same file.
type Limits struct {
	Hash      hash.Limits
	ZSet      zset.Limits
	MaxIntset int
	Stream    stream.Limits
}

// DefaultLimits are Redis 7.0's defaults.
var DefaultLimits = Limits{Hash: hash.Limits{Entries: 128, Value: 64}, ZSet: zset.Limits{Entries: 128, Value: 64}, MaxIntset: 512, Stream: stream.DefaultLimits}

// Value returns e's value in rdb's form. The returned value aliases e's
// bytes: it is only to be read, and written out before e changes.
func Value(e *keyspace.Entry) (*rdb.Value, error) {
	v := new(rdb.Value)
	return v, Fill(v, e)
}

// Fill is Value into v, whose slices it reuses: a snapshot walking
// millions of keys then makes next to no garbage per key, and garbage is
// what a save's extra memory is made of in Go.
func Fill(v *rdb.Value, e *keyspace.Entry) error {
	*v = rdb.Value{List: v.List[:0], Set: v.Set[:0], Hash: v.Hash[:0], ZSet: v.ZSet[:0]}
	switch o := e.Obj.(type) {
	case nil:
		v.Kind, v.Str = rdb.KindString, e.Str
	case *list.List:
		v.Kind, v.List = rdb.KindList, reuse(v.List, o.Len())
		if o.Len() > 0 {
			a, b := o.Segments(0, o.Len()-1)
			for _, s := range a {
				v.List = append(v.List, BytesOf(s))
			}
			for _, s := range b {
				v.List = append(v.List, BytesOf(s))
			}
		}
	case *hash.Hash:
		v.Kind, v.Hash = rdb.KindHash, reuse(v.Hash, o.Len())
		o.Each(func(f, val string) bool {
			v.Hash = append(v.Hash, rdb.HashField{Field: BytesOf(f), Value: BytesOf(val)})
			return true
		})
	case *set.Set:
		v.Kind, v.Set = rdb.KindSet, reuse(v.Set, o.Len())
		o.Each(func(m string) bool {
			v.Set = append(v.Set, BytesOf(m))
			return true
		})
	case *zset.ZSet:
		v.Kind, v.ZSet = rdb.KindZSet, reuse(v.ZSet, o.Len())
		o.Range(0, o.Len()-1, false, func(el zset.Elem) bool {
			v.ZSet = append(v.ZSet, rdb.ZMember{Member: BytesOf(el.Member), Score: el.Score})
			return true
		})
	case *stream.Stream:
		v.Kind, v.Stream = rdb.KindStream, streamValue(o)
	default:
		return fmt.Errorf("rdbconv: key %q: no RDB form for %T", e.Key, e.Obj)
	}
	return nil
}

// reuse returns s emptied with room for n, reallocating when it is too
// small, or far too big to keep around after one huge collection.
func reuse[T any](s []T, n int) []T {
	if cap(s) < n || cap(s) > 4*n+1024 {
		return make([]T, 0, n)
	}
	return s[:0]
}

// StringOf views b as a string without copying; b must never change
// again (the rdb reader hands its keys over for good).
func StringOf(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// BytesOf views s as bytes without copying; the bytes must not be
// changed, and the rdb writer only reads them.
func BytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Object builds the keyspace value for v: a string (obj nil) or an object
// in the encoding Redis would give it for these limits.
func Object(v *rdb.Value, lim Limits) (str []byte, obj keyspace.Object, err error) {
	switch v.Kind {
	case rdb.KindString:
		return v.Str, nil, nil
	case rdb.KindList:
		l := list.New()
		for _, e := range v.List {
			l.PushRight(string(e))
		}
		return nil, l, nil
	case rdb.KindHash:
		h := hash.New()
		for _, f := range v.Hash {
			if !h.Set(f.Field, f.Value, lim.Hash) {
				return nil, nil, fmt.Errorf("duplicate hash field %q", f.Field)
			}
		}
		return nil, h, nil
	case rdb.KindSet:
		s := set.New()
		for _, m := range v.Set {
			if !s.Add(m, lim.MaxIntset) {
				return nil, nil, fmt.Errorf("duplicate set member %q", m)
			}
		}
		return nil, s, nil
	case rdb.KindZSet:
		maxLen := 0
		for _, m := range v.ZSet {
			maxLen = max(maxLen, len(m.Member))
		}
		z := zset.NewSized(len(v.ZSet), maxLen, lim.ZSet)
		for _, m := range v.ZSet {
			if math.IsNaN(m.Score) {
				return nil, nil, errors.New("sorted set score is not a number")
			}
			if !z.Set(m.Member, m.Score, lim.ZSet) {
				return nil, nil, fmt.Errorf("duplicate sorted set member %q", m.Member)
			}
		}
		return nil, z, nil
	case rdb.KindStream:
		st, err := streamObject(v.Stream, lim.Stream)
		return nil, st, err
	}
	return nil, nil, fmt.Errorf("unknown value kind %d", v.Kind)
}
