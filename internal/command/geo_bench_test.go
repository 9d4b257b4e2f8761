package command

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/enclavekv/enclavekv/internal/config"
	"github.com/enclavekv/enclavekv/internal/keyspace"
	"github.com/enclavekv/enclavekv/internal/resp"
)

// The geo commands through the executor on an index of 100,000 points
// spread over Europe (about 85 of them within 50 km of a point), the
// shape of the redis-benchmark runs in docs/performance.md.
func BenchmarkGeo(b *testing.B) {
	x := &Executor{Table: NewTable(), KS: keyspace.New(16), State: NewState(config.New())}
	cl := &Client{ID: 1, Proto: 2, User: "default", Authed: true}
	w := &resp.Writer{Proto: 2}
	exec := func(args []string) {
		bargs := make([][]byte, len(args))
		for i, a := range args {
			bargs[i] = []byte(a)
		}
		w.Buf = w.Buf[:0]
		x.Exec(cl, bargs, w, 1_700_000_000_000)
	}
	r := rand.New(rand.NewPCG(1, 2))
	const points = 100000
	for i := 0; i < points; i += 500 {
		args := []string{"GEOADD", "geo"}
		for j := i; j < i+500; j++ {
			lon, lat := -10+r.Float64()*40, 35+r.Float64()*25
			args = append(args, strconv.FormatFloat(lon, 'f', 6, 64), strconv.FormatFloat(lat, 'f', 6, 64), "p:"+strconv.Itoa(j))
		}
		exec(args)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"GEOADD_existing", []string{"GEOADD", "geo", "13.361389", "38.115556", "p:42"}},
		{"ZADD_existing", []string{"ZADD", "geo", "3479099956230698", "p:42"}},
		{"GEODIST", []string{"GEODIST", "geo", "p:42", "p:4242", "km"}},
		{"GEOPOS", []string{"GEOPOS", "geo", "p:42"}},
		{"GEOHASH", []string{"GEOHASH", "geo", "p:42"}},
		{"GEOSEARCH_radius50km_count10", []string{"GEOSEARCH", "geo", "FROMLONLAT", "13.36", "38.11", "BYRADIUS", "50", "km", "ASC", "COUNT", "10"}},
		{"GEOSEARCH_radius50km_all", []string{"GEOSEARCH", "geo", "FROMLONLAT", "13.36", "38.11", "BYRADIUS", "50", "km", "WITHDIST", "WITHCOORD"}},
		{"GEOSEARCH_box100km_asc", []string{"GEOSEARCH", "geo", "FROMMEMBER", "p:42", "BYBOX", "100", "100", "km", "ASC"}},
		{"GEORADIUS_200km_count10_any", []string{"GEORADIUS", "geo", "13.36", "38.11", "200", "km", "COUNT", "10", "ANY"}},
		{"GEOSEARCHSTORE_50km", []string{"GEOSEARCHSTORE", "dst", "geo", "FROMLONLAT", "13.36", "38.11", "BYRADIUS", "50", "km", "STOREDIST"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			args := make([][]byte, len(tc.args))
			for i, a := range tc.args {
				args[i] = []byte(a)
			}
			b.ReportAllocs()
			for b.Loop() {
				w.Buf = w.Buf[:0]
				x.Exec(cl, args, w, 1_700_000_000_000)
			}
		})
	}
}
