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
	lon1r, lon2r := degRad(lon1), degRad(lon2)
	v := sinCR((lon2r - lon1r) / 2)
	if v == 0 {
		return latDistance(lat1, lat2)
	}
	lat1r, lat2r := degRad(lat1), degRad(lat2)
	u := sinCR((lat2r - lat1r) / 2)
	return 2.0 * EarthRadius * asinCR(math.Sqrt(float64(u*u)+float64(cosCR(lat1r)*cosCR(lat2r)*v*v)))
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
		dist = Distance(s.Lon, s.Lat, lon, lat)
		return dist, dist <= s.Radius*s.Conversion
	}
	width, height := s.Width*s.Conversion, s.Height*s.Conversion
	if latDistance(lat, s.Lat) > height/2 || Distance(lon, lat, s.Lon, lat) > width/2 {
		return 0, false
	}
	return Distance(s.Lon, s.Lat, lon, lat), true
}
