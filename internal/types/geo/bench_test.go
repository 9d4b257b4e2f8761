package geo

import (
	"math/rand/v2"
	"testing"
)

// The arithmetic of one GEOSEARCH: the nine cells around the centre, and
// the distance and shape test of every member in them.
func BenchmarkCellsFor(b *testing.B) {
	shapes := []struct {
		name  string
		shape Shape
	}{
		{"radius50km", Shape{Lon: 13.36, Lat: 38.11, Radius: 50, Conversion: 1000}},
		{"box100x50km", Shape{Lon: 13.36, Lat: 38.11, Box: true, Width: 100, Height: 50, Conversion: 1000}},
		{"radius5000km_north", Shape{Lon: 0, Lat: 80, Radius: 5000, Conversion: 1000}},
	}
	for _, tc := range shapes {
		b.Run(tc.name, func(b *testing.B) {
			s := tc.shape
			for b.Loop() {
				CellsFor(&s)
			}
		})
	}
}

// benchPoints are positions spread over Europe, as the command benchmarks
// load them.
func benchPoints(n int) [][2]float64 {
	r := rand.New(rand.NewPCG(1, 2))
	p := make([][2]float64, n)
	for i := range p {
		p[i] = [2]float64{-10 + r.Float64()*40, 35 + r.Float64()*25}
	}
	return p
}

func BenchmarkDistance(b *testing.B) {
	p := benchPoints(1024)
	i := 0
	for b.Loop() {
		q, r := p[i&1023], p[(i+1)&1023]
		Distance(q[0], q[1], r[0], r[1])
		i++
	}
}

func BenchmarkContains(b *testing.B) {
	p := benchPoints(1024)
	for _, tc := range []struct {
		name  string
		shape Shape
	}{
		{"radius", Shape{Lon: 13.36, Lat: 38.11, Radius: 2000, Conversion: 1000}},
		{"box", Shape{Lon: 13.36, Lat: 38.11, Box: true, Width: 4000, Height: 2000, Conversion: 1000}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := tc.shape
			i := 0
			for b.Loop() {
				q := p[i&1023]
				s.Contains(q[0], q[1])
				i++
			}
		})
	}
}

func BenchmarkScoreDecode(b *testing.B) {
	p := benchPoints(1024)
	i := 0
	for b.Loop() {
		q := p[i&1023]
		s, _ := Score(q[0], q[1])
		DecodeScore(float64(s))
		i++
	}
}
