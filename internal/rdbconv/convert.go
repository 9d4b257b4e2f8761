// Package rdbconv converts between the keyspace's values and the RDB
// package's neutral ones, for snapshots, DUMP/RESTORE and replication:
// it is where the data types meet the file format, so that neither knows
// the other.
package rdbconv

import (
	"errors"
	"fmt"
	"math"

	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/rdb"
	"github.com/enclavekv/enclavekv/internal/types/hash"
	"github.com/enclavekv/enclavekv/internal/types/list"
	"github.com/enclavekv/enclavekv/internal/types/set"
	"github.com/enclavekv/enclavekv/internal/types/zset"
)

// Limits are the compact-encoding thresholds values are rebuilt with when
// loaded, so that OBJECT ENCODING reports what Redis reports after loading
// the same file.
type Limits struct {
	Hash      hash.Limits
	ZSet      zset.Limits
	MaxIntset int
}

// DefaultLimits are Redis 7.0's defaults.
var DefaultLimits = Limits{Hash: hash.Limits{Entries: 128, Value: 64}, ZSet: zset.Limits{Entries: 128, Value: 64}, MaxIntset: 512}

// ErrStreamType is returned for a stream key until the stream type exists.
var ErrStreamType = errors.New("the data holds a stream, a type this server does not have yet; nothing was loaded")

// Value returns e's value in rdb's form. The returned value aliases e's
// bytes where it can: write it out before e changes.
func Value(e *keyspace.Entry) (*rdb.Value, error) {
	switch o := e.Obj.(type) {
	case nil:
		return &rdb.Value{Kind: rdb.KindString, Str: e.Str}, nil
	case *list.List:
		v := &rdb.Value{Kind: rdb.KindList, List: make([][]byte, 0, o.Len())}
		if o.Len() > 0 {
			a, b := o.Segments(0, o.Len()-1)
			for _, s := range a {
				v.List = append(v.List, []byte(s))
			}
			for _, s := range b {
				v.List = append(v.List, []byte(s))
			}
		}
		return v, nil
	case *hash.Hash:
		v := &rdb.Value{Kind: rdb.KindHash, Hash: make([]rdb.HashField, 0, o.Len())}
		o.Each(func(f, val string) bool {
			v.Hash = append(v.Hash, rdb.HashField{Field: []byte(f), Value: []byte(val)})
			return true
		})
		return v, nil
	case *set.Set:
		v := &rdb.Value{Kind: rdb.KindSet, Set: make([][]byte, 0, o.Len())}
		o.Each(func(m string) bool {
			v.Set = append(v.Set, []byte(m))
			return true
		})
		return v, nil
	case *zset.ZSet:
		v := &rdb.Value{Kind: rdb.KindZSet, ZSet: make([]rdb.ZMember, 0, o.Len())}
		o.Range(0, o.Len()-1, false, func(el zset.Elem) bool {
			v.ZSet = append(v.ZSet, rdb.ZMember{Member: []byte(el.Member), Score: el.Score})
			return true
		})
		return v, nil
	}
	return nil, fmt.Errorf("rdbconv: key %q: no RDB form for %T", e.Key, e.Obj)
}

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
		return nil, nil, ErrStreamType
	}
	return nil, nil, fmt.Errorf("unknown value kind %d", v.Kind)
}
