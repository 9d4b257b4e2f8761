package command

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/enclavekv/enclavekv/internal/types/geo"
	"github.com/enclavekv/enclavekv/internal/types/zset"
)

// The GEO commands. A geospatial index is a sorted set whose scores are
// 52-bit geohashes (internal/types/geo); GEOADD is ZADD with encoded scores, the
// searches scan the score ranges of nine geohash cells, as Redis's geo.c.
func init() {
	w, r := Write|DenyOOM, ReadOnly
	register(
		&Command{Name: "geoadd", Arity: -5, Flags: w, FirstKey: 1, LastKey: 1, Handler: geoaddCmd},
		&Command{Name: "geodist", Arity: -4, Flags: r, FirstKey: 1, LastKey: 1, Handler: geodistCmd},
		&Command{Name: "geohash", Arity: -2, Flags: r, FirstKey: 1, LastKey: 1, Handler: geohashCmd},
		&Command{Name: "geopos", Arity: -2, Flags: r, FirstKey: 1, LastKey: 1, Handler: geoposCmd},
		&Command{Name: "geosearch", Arity: -7, Flags: r, FirstKey: 1, LastKey: 1, Handler: geosearchCmd},
		&Command{Name: "geosearchstore", Arity: -8, Flags: w, FirstKey: 1, LastKey: 2, Handler: geosearchstoreCmd},
		&Command{Name: "georadius", Arity: -6, Flags: w, FirstKey: 1, LastKey: 1, Handler: georadiusCmd},
		&Command{Name: "georadiusbymember", Arity: -5, Flags: w, FirstKey: 1, LastKey: 1, Handler: georadiusbymemberCmd},
		&Command{Name: "georadius_ro", Arity: -6, Flags: r, FirstKey: 1, LastKey: 1, Handler: georadiusroCmd},
		&Command{Name: "georadiusbymember_ro", Arity: -5, Flags: r, FirstKey: 1, LastKey: 1, Handler: georadiusbymemberroCmd},
	)
}

// geoParseDouble reads a number argument as Redis's getDoubleFromObject:
// no leading blank, strtod over the whole argument (hexadecimal too), and
// refused when NaN or when strtod reports a range error (an overflow to
// ±inf, or a non-zero mantissa that underflows to 0).
func geoParseDouble(b []byte) (float64, bool) {
	f, ok := parseScoreArg(b)
	if !ok {
		return 0, false
	}
	if !math.IsInf(f, 0) && f != 0 {
		return f, true
	}
	s := strings.ToLower(string(b))
	if math.IsInf(f, 0) && !strings.Contains(s, "inf") {
		return 0, false
	}
	if f == 0 && nonZeroMantissa(s) {
		return 0, false
	}
	return f, true
}

// nonZeroMantissa reports whether a number's digits before its exponent
// are not all zeros.
func nonZeroMantissa(s string) bool {
	s = strings.TrimLeft(s, "+-")
	digits, exp := "123456789", "e"
	if strings.HasPrefix(s, "0x") {
		s, digits, exp = s[2:], "123456789abcdef", "p"
	}
	if i := strings.Index(s, exp); i >= 0 {
		s = s[:i]
	}
	return strings.ContainsAny(s, digits)
}

// cFloat formats f as C's printf %f does.
func cFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// geoLonLat reads a longitude and a latitude argument, replying the error
// Redis gives for an unparsable or out-of-range pair.
func (c *Ctx) geoLonLat(lonArg, latArg []byte) (lon, lat float64, ok bool) {
	if lon, ok = geoParseDouble(lonArg); !ok {
		c.Error(ErrNotFloat)
		return
	}
	if lat, ok = geoParseDouble(latArg); !ok {
		c.Error(ErrNotFloat)
		return
	}
	if lon < geo.LonMin || lon > geo.LonMax || lat < geo.LatMin || lat > geo.LatMax {
		c.Errorf(ErrGeoLonLat, cFloat(lon), cFloat(lat))
		return 0, 0, false
	}
	return lon, lat, true
}

// geoUnit is the size in meters of a unit argument (case-insensitive).
func (c *Ctx) geoUnit(b []byte) (float64, bool) {
	switch {
	case eqFold(b, "m"):
		return 1, true
	case eqFold(b, "km"):
		return 1000, true
	case eqFold(b, "ft"):
		return 0.3048, true
	case eqFold(b, "mi"):
		return 1609.34, true
	}
	c.Error(ErrGeoUnit)
	return 0, false
}

// geoLength reads a non-negative length argument (radius, width,
// height); notNumeric is the reply when it is not a number.
func (c *Ctx) geoLength(b []byte, notNumeric string) (float64, bool) {
	f, ok := geoParseDouble(b)
	if !ok {
		c.Error(notNumeric)
	}
	return f, ok
}

// appendHumanDouble formats f as Redis's addReplyHumanLongDouble:
// %.17Lf without trailing zeros (and without a bare '.'), "-0" as "0".
func appendHumanDouble(dst []byte, f float64) []byte {
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', 17, 64)
	for dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	if dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}

// humanDouble writes a coordinate: a bulk string in RESP2, a double in
// RESP3.
func (c *Ctx) humanDouble(f float64) {
	var tmp [48]byte
	b := appendHumanDouble(tmp[:0], f)
	if c.W.Proto >= 3 {
		c.W.Raw([]byte{','})
		c.W.Raw(b)
		c.W.Raw([]byte("\r\n"))
		return
	}
	c.W.Bulk(b)
}

// distance writes a distance as GEODIST and WITHDIST do: a bulk string
// with 4 decimals, in both protocols.
func (c *Ctx) distance(d float64) {
	var tmp [48]byte
	c.W.Bulk(strconv.AppendFloat(tmp[:0], d, 'f', 4, 64))
}

// GEOADD key [NX|XX] [CH] lon lat member [lon lat member ...] is ZADD with
// the members' geohashes as scores (ZADD's reply and events).
func geoaddCmd(c *Ctx) {
	var nx, xx bool
	i := 2
	for ; i < len(c.Args); i++ {
		a := c.Args[i]
		switch {
		case eqFold(a, "nx"):
			nx = true
		case eqFold(a, "xx"):
			xx = true
		case eqFold(a, "ch"):
		default:
			goto coords
		}
	}
coords:
	if (len(c.Args)-i)%3 != 0 || (nx && xx) {
		c.SyntaxError()
		return
	}
	n := (len(c.Args) - i) / 3
	var argsBuf [8][]byte
	var scoresBuf [64]byte
	zargs := append(argsBuf[:0], zaddName)
	zargs = append(zargs, c.Args[1:i]...)
	scores := scoresBuf[:0]
	for j := range n {
		lon, lat, ok := c.geoLonLat(c.Args[i+3*j], c.Args[i+3*j+1])
		if !ok {
			return
		}
		score, _ := geo.Score(lon, lat)
		from := len(scores)
		scores = strconv.AppendUint(scores, score, 10)
		zargs = append(zargs, scores[from:len(scores):len(scores)], c.Args[i+3*j+2])
	}
	zaddArgs(c, zargs)
}

var zaddName = []byte("zadd")

// GEODIST key member1 member2 [unit]
func geodistCmd(c *Ctx) {
	conv := 1.0
	switch {
	case len(c.Args) == 5:
		var ok bool
		if conv, ok = c.geoUnit(c.Args[4]); !ok {
			return
		}
	case len(c.Args) > 5:
		c.SyntaxError()
		return
	}
	_, z, ok := c.getZSet(c.Args[1], false)
	if !ok {
		return
	}
	if z == nil {
		c.W.Null()
		return
	}
	s1, ok1 := z.Score(c.Args[2])
	s2, ok2 := z.Score(c.Args[3])
	if !ok1 || !ok2 {
		c.W.Null()
		return
	}
	lon1, lat1 := geo.DecodeScore(s1)
	lon2, lat2 := geo.DecodeScore(s2)
	c.distance(geo.Distance(lon1, lat1, lon2, lat2) / conv)
}

// GEOHASH key [member ...]
func geohashCmd(c *Ctx) {
	_, z, ok := c.getZSet(c.Args[1], false)
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		var s string
		found := false
		if z != nil {
			if score, in := z.Score(m); in {
				s, found = geo.String(score)
			}
		}
		if !found {
			c.W.Null()
			continue
		}
		c.W.BulkString(s)
	}
}

// GEOPOS key [member ...]
func geoposCmd(c *Ctx) {
	_, z, ok := c.getZSet(c.Args[1], false)
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if z == nil {
			c.W.NullArray()
			continue
		}
		score, in := z.Score(m)
		if !in {
			c.W.NullArray()
			continue
		}
		lon, lat := geo.DecodeScore(score)
		c.W.Array(2)
		c.humanDouble(lon)
		c.humanDouble(lat)
	}
}

// Variants of the search (Redis's georadiusGeneric flags).
const (
	geoRadiusCoords = 1 << iota // GEORADIUS: around lon lat
	geoRadiusMember             // GEORADIUSBYMEMBER: around a member
	geoNoStore                  // the _RO forms: no STORE/STOREDIST
	geoSearch                   // GEOSEARCH syntax (FROM*/BY*)
	geoSearchStore              // GEOSEARCHSTORE: destination first
)

func georadiusCmd(c *Ctx)           { geoSearchGeneric(c, 1, geoRadiusCoords) }
func georadiusbymemberCmd(c *Ctx)   { geoSearchGeneric(c, 1, geoRadiusMember) }
func georadiusroCmd(c *Ctx)         { geoSearchGeneric(c, 1, geoRadiusCoords|geoNoStore) }
func georadiusbymemberroCmd(c *Ctx) { geoSearchGeneric(c, 1, geoRadiusMember|geoNoStore) }
func geosearchCmd(c *Ctx)           { geoSearchGeneric(c, 1, geoSearch) }
func geosearchstoreCmd(c *Ctx)      { geoSearchGeneric(c, 2, geoSearch|geoSearchStore) }

// geoPoint is one search result.
type geoPoint struct {
	member   string
	lon, lat float64
	dist     float64 // meters while searching, then in the query's unit
	score    float64
}

// Result orders.
const (
	sortNone = iota
	sortAsc
	sortDesc
)

// geoSearchGeneric is every area search, parsed and answered in the order
// of Redis's georadiusGeneric so that each error wins where it does there.
func geoSearchGeneric(c *Ctx, srcIdx int, flags int) {
	_, z, ok := c.getZSet(c.Args[srcIdx], false)
	if !ok {
		return
	}
	var shape geo.Shape
	var storeKey []byte
	storeDist := false
	base := 0
	switch {
	case flags&geoRadiusCoords != 0:
		base = 6
		if shape.Lon, shape.Lat, ok = c.geoLonLat(c.Args[2], c.Args[3]); !ok {
			return
		}
		if !c.geoRadius(&shape, c.Args[4], c.Args[5]) {
			return
		}
	case flags&geoRadiusMember != 0 && z == nil:
		// No source key: parse the rest to know which empty reply to give.
		base = 5
	case flags&geoRadiusMember != 0:
		base = 5
		if !c.geoMemberPos(z, c.Args[2], &shape) {
			return
		}
		if !c.geoRadius(&shape, c.Args[3], c.Args[4]) {
			return
		}
	default:
		base = 2
		if flags&geoSearchStore != 0 {
			base = 3
			storeKey = c.Args[1]
		}
	}

	var withDist, withHash, withCoord, fromMember, fromLonLat, byRadius, byBox, anyN bool
	order := sortNone
	var count int64
	args := c.Args[base:]
	for i := 0; i < len(args); i++ {
		a, left := args[i], len(args)-i-1
		search := flags&geoSearch != 0
		canStore := flags&(geoNoStore|geoSearch) == 0
		switch {
		case eqFold(a, "withdist"):
			withDist = true
		case eqFold(a, "withhash"):
			withHash = true
		case eqFold(a, "withcoord"):
			withCoord = true
		case eqFold(a, "any"):
			anyN = true
		case eqFold(a, "asc"):
			order = sortAsc
		case eqFold(a, "desc"):
			order = sortDesc
		case eqFold(a, "count") && left >= 1:
			if count, ok = c.intArg(args[i+1]); !ok {
				return
			}
			if count <= 0 {
				c.Error(ErrGeoCount)
				return
			}
			i++
		case eqFold(a, "store") && left >= 1 && canStore:
			storeKey, storeDist = args[i+1], false
			i++
		case eqFold(a, "storedist") && left >= 1 && canStore:
			storeKey, storeDist = args[i+1], true
			i++
		case eqFold(a, "storedist") && flags&geoSearchStore != 0:
			storeDist = true
		case eqFold(a, "frommember") && left >= 1 && search && !fromLonLat:
			fromMember = true
			if z != nil && !c.geoMemberPos(z, args[i+1], &shape) {
				return
			}
			i++
		case eqFold(a, "fromlonlat") && left >= 2 && search && !fromMember:
			if shape.Lon, shape.Lat, ok = c.geoLonLat(args[i+1], args[i+2]); !ok {
				return
			}
			fromLonLat = true
			i += 2
		case eqFold(a, "byradius") && left >= 2 && search && !byBox:
			if !c.geoRadius(&shape, args[i+1], args[i+2]) {
				return
			}
			shape.Box, byRadius = false, true
			i += 2
		case eqFold(a, "bybox") && left >= 3 && search && !byRadius:
			if !c.geoBox(&shape, args[i+1], args[i+2], args[i+3]) {
				return
			}
			shape.Box, byBox = true, true
			i += 3
		default:
			c.SyntaxError()
			return
		}
	}

	switch {
	case storeKey != nil && (withDist || withHash || withCoord):
		what := "STORE option in GEORADIUS"
		if flags&geoSearchStore != 0 {
			what = "GEOSEARCHSTORE"
		}
		c.Errorf(ErrGeoStoreWith, what)
		return
	case flags&geoSearch != 0 && !fromMember && !fromLonLat:
		c.Errorf(ErrGeoFrom, c.Args[0])
		return
	case flags&geoSearch != 0 && !byRadius && !byBox:
		c.Errorf(ErrGeoBy, c.Args[0])
		return
	case anyN && count == 0:
		c.Error(ErrGeoAnyCount)
		return
	}

	if z == nil {
		if storeKey != nil {
			if c.DB.Delete(storeKey, c.Now) {
				c.notify(evGeneric, "del", storeKey)
			}
			c.W.Int(0)
		} else {
			c.W.Array(0)
		}
		return
	}

	// COUNT without an order returns the nearest ones, unless ANY.
	if count != 0 && order == sortNone && !anyN {
		order = sortAsc
	}
	limit := 0
	if anyN {
		limit = int(count)
	}
	buf := geoPointBufs.Get().(*[]geoPoint)
	points := geoMembersInShape(z, &shape, limit, (*buf)[:0])
	defer func() {
		if cap(points) <= 1<<16 {
			clear(points[:cap(points)]) // drop the member strings, also past a COUNT's cut
			*buf = points[:0]
			geoPointBufs.Put(buf)
		}
	}()
	if len(points) == 0 && storeKey == nil {
		c.W.Array(0)
		return
	}
	if order != sortNone {
		cmp := func(a, b geoPoint) int { return cmpDist(a.dist, b.dist) }
		if order == sortDesc {
			cmp = func(a, b geoPoint) int { return -cmpDist(a.dist, b.dist) }
		}
		// Redis sorts everything with the C library's qsort (glibc's is a
		// stable merge sort) and only the first COUNT with its pqsort.
		if count > 0 && int64(len(points)) > count {
			partialSort(points, int(count), cmp)
		} else {
			slices.SortStableFunc(points, cmp)
		}
	}
	if count > 0 && int64(len(points)) > count {
		points = points[:count]
	}
	for i := range points {
		points[i].dist /= shape.Conversion
	}

	if storeKey != nil {
		elems := make([]zset.Elem, len(points))
		for i, p := range points {
			elems[i] = zset.Elem{Member: p.member, Score: p.score}
			if storeDist {
				elems[i].Score = p.dist
			}
		}
		event := "georadiusstore"
		if flags&geoSearch != 0 {
			event = "geosearchstore"
		}
		c.storeZSetAs(storeKey, elems, event)
		return
	}

	opts := 0
	for _, on := range []bool{withDist, withHash, withCoord} {
		if on {
			opts++
		}
	}
	c.W.Array(len(points))
	for _, p := range points {
		if opts > 0 {
			c.W.Array(opts + 1)
		}
		c.W.BulkString(p.member)
		if withDist {
			c.distance(p.dist)
		}
		if withHash {
			c.W.Int(int64(p.score))
		}
		if withCoord {
			c.W.Array(2)
			c.humanDouble(p.lon)
			c.humanDouble(p.lat)
		}
	}
}

func cmpDist(a, b float64) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}

// geoMemberPos sets the shape's centre to a member's position.
func (c *Ctx) geoMemberPos(z *zset.ZSet, member []byte, shape *geo.Shape) bool {
	score, ok := z.Score(member)
	if !ok {
		c.Error(ErrGeoMember)
		return false
	}
	shape.Lon, shape.Lat = geo.DecodeScore(score)
	return true
}

// geoRadius reads "radius unit" into the shape.
func (c *Ctx) geoRadius(shape *geo.Shape, radiusArg, unitArg []byte) bool {
	r, ok := c.geoLength(radiusArg, ErrGeoRadiusNumeric)
	if !ok {
		return false
	}
	if r < 0 {
		c.Error(ErrGeoRadiusNegative)
		return false
	}
	shape.Radius = r
	shape.Conversion, ok = c.geoUnit(unitArg)
	return ok
}

// geoBox reads "width height unit" into the shape.
func (c *Ctx) geoBox(shape *geo.Shape, widthArg, heightArg, unitArg []byte) bool {
	w, ok := c.geoLength(widthArg, ErrGeoWidthNumeric)
	if !ok {
		return false
	}
	h, ok := c.geoLength(heightArg, ErrGeoHeightNumeric)
	if !ok {
		return false
	}
	if h < 0 || w < 0 {
		c.Error(ErrGeoBoxNegative)
		return false
	}
	shape.Width, shape.Height = w, h
	shape.Conversion, ok = c.geoUnit(unitArg)
	return ok
}

// geoPointBufs recycles the searches' result buffers: a search over a
// large index would otherwise make garbage in proportion to what it finds.
var geoPointBufs = sync.Pool{New: func() any { return new([]geoPoint) }}

// geoMembersInShape appends to out the members inside the shape in
// Redis's unsorted order: cell by cell (the centre's, then the
// neighbours'), by score within a cell. With limit > 0 (COUNT n ANY) it
// stops after limit members. The filter spares most members outside the
// shape the distance computation.
func geoMembersInShape(z *zset.ZSet, shape *geo.Shape, limit int, out []geoPoint) []geoPoint {
	cells := geo.CellsFor(shape)
	filter := shape.Filter()
	last := 0 // as in Redis, 0 also means "none yet": the centre's cell is never compared
	for i, cell := range cells {
		if cell.IsZero() {
			continue
		}
		// With huge radii neighbours can repeat the previous cell.
		if last != 0 && cell == cells[last] {
			continue
		}
		if limit > 0 && len(out) >= limit {
			break
		}
		lo, hi := cell.ScoreRange()
		min, max := float64(lo), float64(hi)
		from := z.CountBefore(func(s float64, _ string) bool { return s < min })
		z.Range(from, z.Len()-1, false, func(e zset.Elem) bool {
			if e.Score >= max {
				return false
			}
			lon, lat := geo.DecodeScore(e.Score)
			if filter.Excludes(lon, lat) {
				return true
			}
			if d, in := shape.Contains(lon, lat); in {
				out = append(out, geoPoint{member: e.Member, lon: lon, lat: lat, dist: d, score: e.Score})
			}
			return limit == 0 || len(out) < limit
		})
		last = i
	}
	return out
}

// partialSort orders the first k of points the way Redis's pqsort does
// (for COUNT with ASC/DESC): a Bentley-McIlroy quicksort that only
// recurses into the parts overlapping the wanted range. Its order among
// equal distances is what Redis replies, so it is followed step by step;
// Redis's version has no switch to insertion sort after a partition that
// swapped nothing (only arrays under 7 elements are insertion-sorted).
func partialSort(p []geoPoint, k int, cmp func(a, b geoPoint) int) {
	less := func(i, j int) int { return cmp(p[i], p[j]) }
	swap := func(i, j int) { p[i], p[j] = p[j], p[i] }
	vecswap := func(i, j, n int) {
		for ; n > 0; n, i, j = n-1, i+1, j+1 {
			swap(i, j)
		}
	}
	med3 := func(a, b, c int) int {
		if less(a, b) < 0 {
			switch {
			case less(b, c) < 0:
				return b
			case less(a, c) < 0:
				return c
			}
			return a
		}
		switch {
		case less(b, c) > 0:
			return b
		case less(a, c) < 0:
			return a
		}
		return c
	}
	insertion := func(a, n int) {
		for m := a + 1; m < a+n; m++ {
			for l := m; l > a && less(l-1, l) > 0; l-- {
				swap(l, l-1)
			}
		}
	}
	lr, rr := 0, k-1
	// wanted reports whether [s, s+n) overlaps the wanted range.
	wanted := func(s, n int) bool {
		e := s + n - 1
		return !((lr < s && rr < s) || (lr > e && rr > e))
	}
	var sortRange func(a, n int)
	sortRange = func(a, n int) {
		for {
			if n < 7 {
				insertion(a, n)
				return
			}
			pm := a + n/2
			if n > 7 {
				pl, pn := a, a+n-1
				if n > 40 {
					d := n / 8
					pl = med3(pl, pl+d, pl+2*d)
					pm = med3(pm-d, pm, pm+d)
					pn = med3(pn-2*d, pn-d, pn)
				}
				pm = med3(pl, pm, pn)
			}
			swap(a, pm)
			pa, pb := a+1, a+1
			pc, pd := a+n-1, a+n-1
			for {
				for pb <= pc {
					r := less(pb, a)
					if r > 0 {
						break
					}
					if r == 0 {
						swap(pa, pb)
						pa++
					}
					pb++
				}
				for pb <= pc {
					r := less(pc, a)
					if r < 0 {
						break
					}
					if r == 0 {
						swap(pc, pd)
						pd--
					}
					pc--
				}
				if pb > pc {
					break
				}
				swap(pb, pc)
				pb++
				pc--
			}
			pn := a + n
			r := min(pa-a, pb-pa)
			vecswap(a, pb-r, r)
			r = min(pd-pc, pn-pd-1)
			vecswap(pb, pn-r, r)
			if r = pb - pa; r > 1 && wanted(a, r) {
				sortRange(a, r)
			}
			if r = pd - pc; r > 1 {
				a, n = pn-r, r
				if wanted(a, n) {
					continue
				}
			}
			return
		}
	}
	sortRange(0, len(p))
}
