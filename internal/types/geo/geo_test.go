package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// human formats a coordinate as Redis's GEOPOS does (%.17Lf, trailing
// zeros dropped), so that the expectations below are Redis 7.0's replies.
func human(f float64) string {
	s := strconv.FormatFloat(f, 'f', 17, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// The expectations come from redis-server 7.0: GEOADD then ZSCORE, GEOPOS
// and GEOHASH.
func TestScoreDecodeString(t *testing.T) {
	tests := []struct {
		lon, lat       float64
		score          uint64
		decLon, decLat string
		hash           string
	}{
		{13.361389, 38.115556, 3479099956230698, "13.36138933897018433", "38.11555639549629859", "sqc8b49rny0"},
		{15.087269, 37.502669, 3479447370796909, "15.08726745843887329", "37.50266842333162032", "sqdtr74hyu0"},
		{180, 85.05112878, 13510798882111488, "180", "85.0511287799999991", "bp05b5048p0"},
		{-180, -85.05112878, 0, "-179.99999731779098511", "-85.05112751263942528", "00bh0hbj200"},
		{0, 0, 3377699720527872, "0.00000268220901489", "0.00000126736058093", "s0000000000"},
		{-180, 0, 1125899906842624, "-179.99999731779098511", "0.00000126736058093", "80000000000"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.lon, tt.lat), func(t *testing.T) {
			score, ok := Score(tt.lon, tt.lat)
			if !ok || score != tt.score {
				t.Fatalf("Score = %d, %v; want %d", score, ok, tt.score)
			}
			lon, lat := DecodeScore(float64(score))
			if human(lon) != tt.decLon || human(lat) != tt.decLat {
				t.Errorf("DecodeScore = %s,%s; want %s,%s", human(lon), human(lat), tt.decLon, tt.decLat)
			}
			if s, ok := String(float64(score)); !ok || s != tt.hash {
				t.Errorf("String = %q, %v; want %q", s, ok, tt.hash)
			}
		})
	}
}

func TestEncodeRefusesOutOfRange(t *testing.T) {
	for _, p := range [][2]float64{{180.0001, 0}, {-180.0001, 0}, {0, 85.06}, {0, -85.06}, {math.NaN(), 0}} {
		if _, ok := Score(p[0], p[1]); ok && !math.IsNaN(p[0]) {
			t.Errorf("Score(%v) accepted", p)
		}
	}
}

func TestInterleaveRoundTrip(t *testing.T) {
	for _, v := range [][2]uint32{{0, 0}, {1, 0}, {0, 1}, {0xffffffff, 0}, {0x12345678, 0x9abcdef0}, {0x3ffffff, 0x2aaaaaa}} {
		bits := interleave(v[0], v[1])
		if lat, lon := deinterleave(bits); lat != v[0] || lon != v[1] {
			t.Errorf("deinterleave(interleave(%#x, %#x)) = %#x, %#x", v[0], v[1], lat, lon)
		}
	}
	if got := interleave(1, 0); got != 1 {
		t.Errorf("latitude bit 0 at %#x, want bit 0", got)
	}
	if got := interleave(0, 1); got != 2 {
		t.Errorf("longitude bit 0 at %#x, want bit 1", got)
	}
}

func TestNeighbors(t *testing.T) {
	h, _ := Encode(13.361389, 38.115556, 10)
	n := NeighborsOf(h)
	a, _ := Decode(h)
	checks := []struct {
		name   string
		cell   Hash
		dx, dy int
	}{
		{"north", n.North, 0, 1}, {"south", n.South, 0, -1}, {"east", n.East, 1, 0}, {"west", n.West, -1, 0},
		{"north-east", n.NorthEast, 1, 1}, {"north-west", n.NorthWest, -1, 1},
		{"south-east", n.SouthEast, 1, -1}, {"south-west", n.SouthWest, -1, -1},
	}
	for _, c := range checks {
		b, ok := Decode(c.cell)
		if !ok || c.cell.Step != h.Step {
			t.Fatalf("%s: cannot decode %+v", c.name, c.cell)
		}
		wantLon := a.Lon.Min + float64(c.dx)*(a.Lon.Max-a.Lon.Min)
		wantLat := a.Lat.Min + float64(c.dy)*(a.Lat.Max-a.Lat.Min)
		if math.Abs(b.Lon.Min-wantLon) > 1e-9 || math.Abs(b.Lat.Min-wantLat) > 1e-9 {
			t.Errorf("%s: cell at %v,%v; want %v,%v", c.name, b.Lon.Min, b.Lat.Min, wantLon, wantLat)
		}
	}
	// Moving wraps around the antimeridian.
	w, _ := Encode(-179.9, 0, 4)
	if e := moveX(moveX(w, -1), 1); e != w {
		t.Errorf("west then east = %+v, want %+v", e, w)
	}
	if a, _ := Decode(moveX(w, -1)); a.Lon.Max != 180 {
		t.Errorf("west of the antimeridian ends at %v, want 180", a.Lon.Max)
	}
}

func TestEstimateSteps(t *testing.T) {
	tests := []struct {
		meters, lat float64
		want        uint8
	}{
		{0, 0, 26},
		{1, 0, 24},
		{1000, 0, 14},
		{1000, 70, 13},
		{1000, -85, 12},
		{5000000, 0, 2},
		{20037726.37, 0, 1},
		{1e8, 0, 1},
		{1e-9, 0, 26},
	}
	for _, tt := range tests {
		if got := EstimateSteps(tt.meters, tt.lat); got != tt.want {
			t.Errorf("EstimateSteps(%v, %v) = %d, want %d", tt.meters, tt.lat, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	// GEOADD the two positions, then GEODIST: the distance between the
	// stored (decoded) positions, in meters with 4 decimals.
	tests := []struct {
		lon1, lat1, lon2, lat2 float64
		want                   string
	}{
		{13.361389, 38.115556, 15.087269, 37.502669, "166274.1516"},
		{0, 0, 180, 0, "20020733.6202"},
		{-179.9, 0, 179.9, 0, "22245.4377"},
		{0, 0, 0, 0, "0.0000"},
	}
	for _, tt := range tests {
		s1, _ := Score(tt.lon1, tt.lat1)
		s2, _ := Score(tt.lon2, tt.lat2)
		lon1, lat1 := DecodeScore(float64(s1))
		lon2, lat2 := DecodeScore(float64(s2))
		if got := fmt.Sprintf("%.4f", Distance(lon1, lat1, lon2, lat2)); got != tt.want {
			t.Errorf("Distance(%v,%v,%v,%v) = %s, want %s", tt.lon1, tt.lat1, tt.lon2, tt.lat2, got, tt.want)
		}
	}
}

// TestDistanceOnAMeridian: between positions of the same longitude Redis
// 7.0 measures the meridian arc, not the haversine, which differs in the
// last bits. The scores are STOREDIST's (in km) of GEOADD k 10 LAT1 a 10
// LAT2 b, GEOSEARCHSTORE d k FROMMEMBER a BYRADIUS 20000 km STOREDIST.
func TestDistanceOnAMeridian(t *testing.T) {
	tests := []struct {
		lat1, lat2 float64
		want       string
	}{
		{-33.197314493915677, 43.41723164702637, "8521.5526629437936"}, // the haversine gives ...954
		{-57.343591143071464, 17.115020201129383, "8281.7557119288358"},
		{20, -80, "11122.630186656039"},
	}
	for _, tt := range tests {
		s1, _ := Score(10, tt.lat1)
		s2, _ := Score(10, tt.lat2)
		lon1, lat1 := DecodeScore(float64(s1))
		lon2, lat2 := DecodeScore(float64(s2))
		if lon1 != lon2 {
			t.Fatalf("longitudes %v and %v differ", lon1, lon2)
		}
		if got := strconv.FormatFloat(Distance(lon1, lat1, lon2, lat2)/1000, 'g', 17, 64); got != tt.want {
			t.Errorf("Distance(10, %v, 10, %v) = %s km, want %s", tt.lat1, tt.lat2, got, tt.want)
		}
	}
}

func TestShapeContains(t *testing.T) {
	circle := &Shape{Lon: 15, Lat: 37, Radius: 200, Conversion: 1000}
	if d, ok := circle.Contains(15.08726745843887329, 37.50266842333162032); !ok || fmt.Sprintf("%.4f", d/1000) != "56.4413" {
		t.Errorf("circle: Catania at %v, %v", d, ok)
	}
	if _, ok := circle.Contains(13.36138933897018433, 38.11555639549629859); !ok {
		t.Errorf("circle: Palermo (190 km) outside a 200 km radius")
	}
	circle.Radius = 100
	if _, ok := circle.Contains(13.36138933897018433, 38.11555639549629859); ok {
		t.Errorf("circle: Palermo (190 km) inside a 100 km radius")
	}
	box := &Shape{Lon: 15, Lat: 37, Box: true, Width: 400, Height: 400, Conversion: 1000}
	if _, ok := box.Contains(13.36138933897018433, 38.11555639549629859); !ok {
		t.Errorf("box: Palermo outside 400x400 km")
	}
	box.Width = 200
	if _, ok := box.Contains(13.36138933897018433, 38.11555639549629859); ok {
		t.Errorf("box: Palermo (145 km west) inside a 200 km wide box")
	}
}

func TestCellsCoverTheArea(t *testing.T) {
	// Every point within the radius must fall into one of the cells.
	shapes := []Shape{
		{Lon: 15, Lat: 37, Radius: 200, Conversion: 1000},
		{Lon: 179.99, Lat: 0, Radius: 50, Conversion: 1000},
		{Lon: 0, Lat: 84.9, Radius: 30, Conversion: 1000},
		{Lon: -100, Lat: -40, Box: true, Width: 500, Height: 100, Conversion: 1000},
		{Lon: 10, Lat: 10, Radius: 6000, Conversion: 1000},
	}
	for _, s := range shapes {
		cells := CellsFor(&s)
		for dx := -40; dx <= 40; dx++ {
			for dy := -40; dy <= 40; dy++ {
				lon := s.Lon + float64(dx)*0.1*float64(1+int(s.Radius/1000))
				lat := s.Lat + float64(dy)*0.05*float64(1+int(s.Radius/1000))
				if lon < LonMin || lon > LonMax || lat < LatMin || lat > LatMax {
					continue
				}
				score, _ := Score(lon, lat)
				plon, plat := DecodeScore(float64(score))
				if _, in := s.Contains(plon, plat); !in {
					continue
				}
				found := false
				for _, c := range cells {
					if c.IsZero() {
						continue
					}
					lo, hi := c.ScoreRange()
					if score >= lo && score < hi {
						found = true
					}
				}
				if !found {
					t.Errorf("%+v: %v,%v is inside but in no cell", s, plon, plat)
				}
			}
		}
	}
}

func TestScoreBits(t *testing.T) {
	tests := []struct {
		score float64
		want  uint64
	}{
		{0, 0}, {1, 1}, {-1, math.MaxUint64}, {math.Inf(1), 0}, {math.Inf(-1), 1 << 63},
		{1 << 63, 1 << 63}, {1.5, 1},
	}
	for _, tt := range tests {
		if got := scoreBits(tt.score); got != tt.want {
			t.Errorf("scoreBits(%v) = %#x, want %#x", tt.score, got, tt.want)
		}
	}
}

// TestFilterIsConservative: whatever the filter excludes, Contains
// refuses, for random shapes of every size around the map (poles and the
// antimeridian included) and positions near their edges.
func TestFilterIsConservative(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	excluded := 0
	for range 20000 {
		s := &Shape{Lon: r.Float64()*360 - 180, Lat: (r.Float64()*2 - 1) * LatMax, Conversion: 1}
		switch r.IntN(4) {
		case 0:
			s.Lat = math.Copysign(LatMax, s.Lat)
		case 1:
			s.Lon = math.Copysign(180, s.Lon)
		}
		size := math.Pow(10, r.Float64()*7.7)
		if s.Box = r.IntN(2) == 0; s.Box {
			s.Width, s.Height = size, size*math.Pow(10, r.Float64()*2-1)
		} else {
			s.Radius = size
		}
		f := s.Filter()
		for range 50 {
			// Positions at a random bearing, about as far as the shape's
			// edge, so that many are close to it.
			d := size * (0.5 + r.Float64()) / EarthRadius
			lon := s.Lon + radDeg(d)*math.Cos(r.Float64()*2*math.Pi)/math.Max(math.Cos(degRad(s.Lat)), 0.01)
			lat := s.Lat + radDeg(d)*math.Sin(r.Float64()*2*math.Pi)
			lon = math.Mod(lon+540, 360) - 180
			lat = max(min(lat, LatMax), LatMin)
			if !f.Excludes(lon, lat) {
				continue
			}
			excluded++
			if _, in := s.Contains(lon, lat); in {
				t.Fatalf("%+v: the filter excludes (%v, %v), which is inside", *s, lon, lat)
			}
		}
	}
	if excluded < 100000 {
		t.Errorf("the filter excluded only %d positions", excluded)
	}
}
