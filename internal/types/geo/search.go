package geo

import "math"

// moveX moves h one cell east (d > 0) or west (d < 0), wrapping around.
func moveX(h Hash, d int) Hash {
	if d == 0 {
		return h
	}
	x := h.Bits & 0xaaaaaaaaaaaaaaaa
	y := h.Bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - 2*uint(h.Step))
	if d > 0 {
		x += zz + 1
	} else {
		x |= zz
		x -= zz + 1
	}
	x &= 0xaaaaaaaaaaaaaaaa >> (64 - 2*uint(h.Step))
	h.Bits = x | y
	return h
}

// moveY moves h one cell north (d > 0) or south (d < 0), wrapping around.
func moveY(h Hash, d int) Hash {
	if d == 0 {
		return h
	}
	x := h.Bits & 0xaaaaaaaaaaaaaaaa
	y := h.Bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - 2*uint(h.Step))
	if d > 0 {
		y += zz + 1
	} else {
		y |= zz
		y -= zz + 1
	}
	y &= 0x5555555555555555 >> (64 - 2*uint(h.Step))
	h.Bits = x | y
	return h
}

// Neighbors are the eight cells around a cell.
type Neighbors struct {
	North, South, East, West                   Hash
	NorthEast, NorthWest, SouthEast, SouthWest Hash
}

// NeighborsOf returns the eight cells around h, at h's step.
func NeighborsOf(h Hash) Neighbors {
	return Neighbors{
		East:      moveX(h, 1),
		West:      moveX(h, -1),
		South:     moveY(h, -1),
		North:     moveY(h, 1),
		NorthWest: moveY(moveX(h, -1), 1),
		NorthEast: moveY(moveX(h, 1), 1),
		SouthEast: moveY(moveX(h, 1), -1),
		SouthWest: moveY(moveX(h, -1), -1),
	}
}

// EstimateSteps is the precision of the nine search cells for a search of
// the given radius around the given latitude: the cells are about as
// large as the radius, a step coarser near the poles.
func EstimateSteps(rangeMeters, lat float64) uint8 {
	if rangeMeters == 0 {
		return 26
	}
	step := 1
	for rangeMeters < mercatorMax {
		rangeMeters *= 2
		step++
	}
	step -= 2 // make sure the range is included in most of the base cases
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), 26))
}

// Shape is the area of a search: a circle of Radius, or a box of Width
// by Height, around (Lon, Lat). Lengths are in the unit of the query;
// Conversion is the unit's size in meters.
type Shape struct {
	Lon, Lat      float64
	Box           bool
	Radius        float64
	Width, Height float64
	Conversion    float64

	cosLat, cosFor float64 // cos(Lat) and the Lat it is for
	cosOK          bool
}

// BoundingBox is the smallest longitude/latitude box around the shape:
// minimum longitude, minimum latitude, maximum longitude, maximum
// latitude. A box's left and right edges bend towards the pole, so the
// edge nearer the pole sets the longitude span.
func (s *Shape) BoundingBox() [4]float64 {
	height, width := s.Radius, s.Radius
	if s.Box {
		height, width = s.Height/2, s.Width/2
	}
	height *= s.Conversion
	width *= s.Conversion
	latDelta := radDeg(height / EarthRadius)
	lonDeltaTop := radDeg(width / EarthRadius / cosCR(degRad(s.Lat+latDelta)))
	lonDeltaBottom := radDeg(width / EarthRadius / cosCR(degRad(s.Lat-latDelta)))
	lonDelta := lonDeltaTop
	if s.Lat < 0 {
		lonDelta = lonDeltaBottom
	}
	return [4]float64{s.Lon - lonDelta, s.Lat - latDelta, s.Lon + lonDelta, s.Lat + latDelta}
}

// radiusMeters is the radius of the circle around the shape, in meters:
// the radius, or the distance from a box's centre to its corner.
func (s *Shape) radiusMeters() float64 {
	r := s.Radius
	if s.Box {
		w, h := s.Width/2, s.Height/2
		r = math.Sqrt(float64(w*w) + float64(h*h))
	}
	return r * s.Conversion
}

// Cells are the cells a search scans, in Redis's order: the centre's
// cell, then north, south, east, west, north-east, north-west,
// south-east, south-west. A zero Hash is a cell the search skips.
type Cells [9]Hash

// CellsFor is geohashCalculateAreasByShapeWGS84: the centre's cell at a
// step estimated from the shape's size (one step coarser when a neighbour
// does not reach the bounding box's edge), and the neighbours that reach
// into the bounding box.
func CellsFor(s *Shape) Cells {
	b := s.BoundingBox()
	minLon, minLat, maxLon, maxLat := b[0], b[1], b[2], b[3]
	steps := EstimateSteps(s.radiusMeters(), s.Lat)

	hash, _ := Encode(s.Lon, s.Lat, steps)
	nb := NeighborsOf(hash)
	area, _ := Decode(hash)

	north, _ := Decode(nb.North)
	south, _ := Decode(nb.South)
	east, _ := Decode(nb.East)
	west, _ := Decode(nb.West)
	decrease := north.Lat.Max < maxLat || south.Lat.Min > minLat ||
		east.Lon.Max < maxLon || west.Lon.Min > minLon
	if steps > 1 && decrease {
		steps--
		hash, _ = Encode(s.Lon, s.Lat, steps)
		nb = NeighborsOf(hash)
		area, _ = Decode(hash)
	}

	if steps >= 2 {
		if area.Lat.Min < minLat {
			nb.South, nb.SouthWest, nb.SouthEast = Hash{}, Hash{}, Hash{}
		}
		if area.Lat.Max > maxLat {
			nb.North, nb.NorthEast, nb.NorthWest = Hash{}, Hash{}, Hash{}
		}
		if area.Lon.Min < minLon {
			nb.West, nb.SouthWest, nb.NorthWest = Hash{}, Hash{}, Hash{}
		}
		if area.Lon.Max > maxLon {
			nb.East, nb.SouthEast, nb.NorthEast = Hash{}, Hash{}, Hash{}
		}
	}
	return Cells{hash, nb.North, nb.South, nb.East, nb.West, nb.NorthEast, nb.NorthWest, nb.SouthEast, nb.SouthWest}
}

// Distance is the haversine great-circle distance in meters between two
// positions given in degrees. On one meridian (the sine of half the
// longitude difference is 0) it is the arc between the latitudes, as in
// Redis 7.0, whose shortcut gives a result a few units in the last place
// away from the haversine's.
func Distance(lon1, lat1, lon2, lat2 float64) float64 {
	return distance(lon1, lat1, lon2, lat2, math.NaN())
}

// distance is Distance given cos1, the cosine of lat1 in radians, when it
// is known (NaN if not): a search computes its centre's once.
func distance(lon1, lat1, lon2, lat2, cos1 float64) float64 {
	lon1r, lon2r := degRad(lon1), degRad(lon2)
	v := sinCR((lon2r - lon1r) / 2)
	if v == 0 {
		return latDistance(lat1, lat2)
	}
	lat1r, lat2r := degRad(lat1), degRad(lat2)
	u := sinCR((lat2r - lat1r) / 2)
	if math.IsNaN(cos1) {
		cos1 = cosCR(lat1r)
	}
	cos2 := cos1
	if lat2 != lat1 {
		cos2 = cosCR(lat2r)
	}
	return 2.0 * EarthRadius * asinCR(math.Sqrt(float64(u*u)+float64(cos1*cos2*v*v)))
}

// latDistance is the length in meters of the meridian arc between two
// latitudes.
func latDistance(lat1, lat2 float64) float64 {
	return EarthRadius * math.Abs(degRad(lat2)-degRad(lat1))
}

// Contains reports whether the position (lon, lat) lies in the shape and,
// if so, its distance in meters from the shape's centre. A box contains
// the positions whose east-west and north-south distances from the centre
// are within half its width and half its height.
func (s *Shape) Contains(lon, lat float64) (dist float64, ok bool) {
	if !s.Box {
		dist = distance(s.Lon, s.Lat, lon, lat, s.centreCos())
		return dist, dist <= s.Radius*s.Conversion
	}
	width, height := s.Width*s.Conversion, s.Height*s.Conversion
	if latDistance(lat, s.Lat) > height/2 || Distance(lon, lat, s.Lon, lat) > width/2 {
		return 0, false
	}
	return distance(s.Lon, s.Lat, lon, lat, s.centreCos()), true
}

// centreCos is the cosine of the centre's latitude, computed once per
// centre.
func (s *Shape) centreCos() float64 {
	if !s.cosOK || s.cosFor != s.Lat {
		s.cosLat, s.cosFor, s.cosOK = cosCR(degRad(s.Lat)), s.Lat, true
	}
	return s.cosLat
}

// Filter is a quick test that rules out most positions a search scans
// but does not find, from their coordinates alone: no trigonometry per
// position. It is conservative: Excludes reports true only for positions
// the shape's Contains refuses too.
type Filter struct {
	lon, lat float64 // the shape's centre
	maxDLat  float64 // degrees of latitude from the centre beyond which nothing is inside
	maxDLon  float64 // the same for longitude (+Inf: no test)
}

// Filter returns the shape's filter. Its bounds are those of exact
// arithmetic widened by 1e-9 and 1e-7 radians (0.6 m): a computed
// distance is within a few units in the last place of the exact one,
// but near the antipode asin's steepness takes it up to some 20 cm away.
func (s *Shape) Filter() Filter {
	const rel, abs = 1e-9, 1e-7
	f := Filter{lon: s.Lon, lat: s.Lat, maxDLat: math.Inf(1), maxDLon: math.Inf(1)}
	// The angles, in radians, that bound the shape north-south and
	// east-west: the circle's radius, or the box's half height and width.
	halfLat, halfLon := s.Radius, s.Radius
	if s.Box {
		halfLat, halfLon = s.Height/2, s.Width/2
	}
	halfLat = halfLat*s.Conversion/EarthRadius*(1+rel) + abs
	halfLon = halfLon*s.Conversion/EarthRadius*(1+rel) + abs
	if math.IsNaN(halfLat) || math.IsNaN(halfLon) {
		return f
	}
	// A great circle between two latitudes is no shorter than the
	// meridian arc between them (and a box tests that arc itself).
	f.maxDLat = radDeg(halfLat) * (1 + rel)
	// Positions passing the latitude test have cos(lat) >= cosMin.
	edge := math.Abs(degRad(s.Lat)) + halfLat
	if edge >= math.Pi/2 || halfLon >= math.Pi {
		return f
	}
	cosMin := math.Cos(edge)
	var h float64 // the largest sin(dlon/2) of a position inside
	if s.Box {
		// The east-west distance 2 asin(cos(lat) sin(dlon/2)) is at
		// most the half width.
		h = math.Sin(halfLon/2) / cosMin
	} else {
		// haversine: sin²(d/2) >= cos(lat0) cos(lat) sin²(dlon/2).
		h = math.Sin(halfLon/2) / math.Sqrt(math.Cos(math.Abs(degRad(s.Lat)))*cosMin)
	}
	if h >= 1 {
		return f
	}
	f.maxDLon = radDeg(2*math.Asin(h))*(1+rel) + 1e-9
	return f
}

// Excludes reports whether the position is certainly outside the shape.
func (f *Filter) Excludes(lon, lat float64) bool {
	if math.Abs(lat-f.lat) > f.maxDLat {
		return true
	}
	d := math.Abs(lon - f.lon)
	if d > 180 {
		d = 360 - d
	}
	return d > f.maxDLon
}
