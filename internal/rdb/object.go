package rdb

import (
	"errors"
	"math"
)

// RDB value types: the byte before a key says how its value is encoded.
const (
	typeString           = 0
	typeList             = 1 // linked list: count + strings
	typeSet              = 2 // hash table: count + strings
	typeZSet             = 3 // skiplist, scores as text
	typeHash             = 4 // hash table: count + field/value strings
	typeZSet2            = 5 // skiplist, binary scores
	typeModulePreGA      = 6
	typeModule2          = 7
	typeHashZipmap       = 9
	typeListZiplist      = 10
	typeSetIntset        = 11
	typeZSetZiplist      = 12
	typeHashZiplist      = 13
	typeListQuicklist    = 14 // of ziplists
	typeStreamListpacks  = 15
	typeHashListpack     = 16
	typeZSetListpack     = 17
	typeListQuicklist2   = 18 // of listpacks, with plain nodes
	typeStreamListpacks2 = 19 // Redis 7.0
	typeSetListpack      = 20 // Redis 7.2 (RDB 11)
	typeStreamListpacks3 = 21 // Redis 7.2 (RDB 11)
)

// isObjectType reports whether t is a value type (and not an opcode).
func isObjectType(t byte) bool {
	return t <= typeModule2 || (t >= typeHashZipmap && t <= typeStreamListpacks3)
}

// Quicklist 2 node containers.
const (
	qlPlain  = 1 // the node is one element, stored as is
	qlPacked = 2 // the node is a listpack
)

// errEmpty reports a collection without elements: Redis 7.0 skips such
// keys when loading (they once existed through a bug) instead of failing.
var errEmpty = errors.New("empty collection")

// readValue reads a value of type t.
func readValue(s *source, t byte) (*Value, error) {
	switch t {
	case typeString:
		b, err := s.str()
		if err != nil {
			return nil, err
		}
		return &Value{Kind: KindString, Str: b}, nil
	case typeList:
		l, err := readStrings(s, "list", 1)
		if err != nil {
			return nil, err
		}
		return &Value{Kind: KindList, List: l}, nil
	case typeSet:
		m, err := readStrings(s, "set", 1)
		if err != nil {
			return nil, err
		}
		if err := checkUnique(m, 1, "set member"); err != nil {
			return nil, err
		}
		return &Value{Kind: KindSet, Set: m}, nil
	case typeHash:
		kv, err := readStrings(s, "hash", 2)
		if err != nil {
			return nil, err
		}
		if err := checkUnique(kv, 2, "hash field"); err != nil {
			return nil, err
		}
		return hashValue(kv), nil
	case typeZSet, typeZSet2:
		return readZSet(s, t == typeZSet2)
	case typeModulePreGA, typeModule2:
		return nil, newErr(ErrModule, "module value")
	case typeListQuicklist, typeListQuicklist2:
		return readQuicklist(s, t == typeListQuicklist2)
	case typeStreamListpacks, typeStreamListpacks2, typeStreamListpacks3:
		st, err := readStream(s, t)
		if err != nil {
			return nil, err
		}
		return &Value{Kind: KindStream, Stream: st}, nil
	case typeHashZipmap, typeListZiplist, typeSetIntset, typeZSetZiplist,
		typeHashZiplist, typeHashListpack, typeZSetListpack, typeSetListpack:
		blob, err := s.str()
		if err != nil {
			return nil, err
		}
		return compactValue(t, blob, s.lim.MaxElements)
	}
	return nil, corrupt("unknown value type %d", t)
}

// readStrings reads a count and count*per strings.
func readStrings(s *source, what string, per uint64) ([][]byte, error) {
	n, err := s.count(what)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errEmpty
	}
	out := make([][]byte, 0, min(n*per, 1024))
	for i := range n * per {
		b, err := s.str()
		if err != nil {
			return nil, within(err, "%s element %d", what, i)
		}
		out = append(out, b)
	}
	return out, nil
}

func readZSet(s *source, binary bool) (*Value, error) {
	n, err := s.count("sorted set")
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, errEmpty
	}
	z := make([]ZMember, 0, min(n, 1024))
	seen := newSeen(int(min(n, 1024)))
	for i := range n {
		m, err := s.str()
		if err != nil {
			return nil, within(err, "sorted set member %d", i)
		}
		var score float64
		if binary {
			score, err = s.binaryScore()
		} else {
			score, err = s.stringScore()
		}
		if err != nil {
			return nil, within(err, "sorted set member %d", i)
		}
		if math.IsNaN(score) {
			return nil, corrupt("sorted set member %q has a NaN score", m)
		}
		if !seen.add(m) {
			return nil, corrupt("duplicate sorted set member %q", m)
		}
		z = append(z, ZMember{Member: m, Score: score})
	}
	return &Value{Kind: KindZSet, ZSet: z}, nil
}

func readQuicklist(s *source, v2 bool) (*Value, error) {
	nodes, err := s.count("quicklist")
	if err != nil {
		return nil, err
	}
	var list [][]byte
	for i := range nodes {
		container := uint64(qlPacked)
		if v2 {
			if container, err = s.len(); err != nil {
				return nil, err
			}
			if container != qlPlain && container != qlPacked {
				return nil, corrupt("quicklist node %d: unknown container %d", i, container)
			}
		}
		blob, err := s.str()
		if err != nil {
			return nil, within(err, "quicklist node %d", i)
		}
		if len(blob) == 0 {
			return nil, corrupt("quicklist node %d is empty", i)
		}
		if int64(len(list)) >= s.lim.MaxElements {
			return nil, newErr(ErrTooLarge, "list of more than %d elements", s.lim.MaxElements)
		}
		if container == qlPlain {
			list = append(list, blob)
			continue
		}
		var elems [][]byte
		if v2 {
			elems, err = listpackEntries(blob, s.lim.MaxElements-int64(len(list)))
		} else {
			elems, err = ziplistEntries(blob, s.lim.MaxElements-int64(len(list)))
		}
		if err != nil {
			return nil, within(err, "quicklist node %d", i)
		}
		// Redis skips empty nodes; an empty list as a whole is an empty key.
		list = append(list, elems...)
	}
	if len(list) == 0 {
		return nil, errEmpty
	}
	return &Value{Kind: KindList, List: list}, nil
}

// compactNames name the single-blob encodings in errors.
var compactNames = map[byte]string{
	typeHashZipmap:   "hash zipmap",
	typeListZiplist:  "list ziplist",
	typeSetIntset:    "intset",
	typeZSetZiplist:  "sorted set ziplist",
	typeHashZiplist:  "hash ziplist",
	typeHashListpack: "hash listpack",
	typeZSetListpack: "sorted set listpack",
	typeSetListpack:  "set listpack",
}

// compactValue decodes the single-blob encodings.
func compactValue(t byte, blob []byte, maxElems int64) (*Value, error) {
	what := compactNames[t]
	// Pairs take two entries an element.
	maxEntries := maxElems
	if maxEntries <= math.MaxInt64/2 {
		maxEntries *= 2
	}
	var elems [][]byte
	var err error
	switch t {
	case typeHashZipmap:
		elems, err = zipmapPairs(blob, maxElems)
	case typeSetIntset:
		elems, err = intsetMembers(blob, maxElems)
	case typeListZiplist, typeZSetZiplist, typeHashZiplist:
		elems, err = ziplistEntries(blob, maxEntries)
	default:
		elems, err = listpackEntries(blob, maxEntries)
	}
	if err != nil {
		return nil, within(err, "%s", what)
	}
	if len(elems) == 0 {
		return nil, errEmpty
	}
	switch t {
	case typeListZiplist:
		if int64(len(elems)) > maxElems {
			return nil, newErr(ErrTooLarge, "list of %d elements (limit %d)", len(elems), maxElems)
		}
		return &Value{Kind: KindList, List: elems}, nil
	case typeSetIntset:
		return &Value{Kind: KindSet, Set: elems}, nil
	case typeSetListpack:
		if int64(len(elems)) > maxElems {
			return nil, newErr(ErrTooLarge, "set of %d elements (limit %d)", len(elems), maxElems)
		}
		if err := checkUnique(elems, 1, "set member"); err != nil {
			return nil, within(err, "%s", what)
		}
		return &Value{Kind: KindSet, Set: elems}, nil
	case typeHashZipmap:
		return hashValue(elems), nil // zipmapPairs checked for duplicates
	}
	// Pairs: hashes and sorted sets.
	if len(elems)%2 != 0 {
		return nil, corrupt("%s has an odd number of elements", what)
	}
	if int64(len(elems)/2) > maxElems {
		return nil, newErr(ErrTooLarge, "%s of %d elements (limit %d)", what, len(elems)/2, maxElems)
	}
	if err := checkUnique(elems, 2, "member or field"); err != nil {
		return nil, within(err, "%s", what)
	}
	if t == typeHashZiplist || t == typeHashListpack {
		return hashValue(elems), nil
	}
	z := make([]ZMember, len(elems)/2)
	for i := range z {
		score, err := parseScore(elems[2*i+1])
		if err != nil {
			return nil, within(err, "%s member %q", what, elems[2*i])
		}
		if math.IsNaN(score) {
			return nil, corrupt("%s member %q has a NaN score", what, elems[2*i])
		}
		z[i] = ZMember{Member: elems[2*i], Score: score}
	}
	return &Value{Kind: KindZSet, ZSet: z}, nil
}

// checkUnique fails if elems[0], elems[step], elems[2*step], ... repeat.
func checkUnique(elems [][]byte, step int, what string) error {
	seen := newSeen(len(elems) / step)
	for i := 0; i < len(elems); i += step {
		if !seen.add(elems[i]) {
			return corrupt("duplicate %s %q", what, elems[i])
		}
	}
	return nil
}

func hashValue(kv [][]byte) *Value {
	h := make([]HashField, len(kv)/2)
	for i := range h {
		h[i] = HashField{Field: kv[2*i], Value: kv[2*i+1]}
	}
	return &Value{Kind: KindHash, Hash: h}
}
