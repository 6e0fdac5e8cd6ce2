package chunkenc

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkBoltBytesPerPoint stores each benchmark series in bbolt the way the
// store does (one value per chunk under a 24-byte key: 16-byte run id, 4-byte
// key id, 4-byte chunk sequence; the open head chunk re-Put on every commit of
// 500 points; 4 series of the same kind interleaved in one bucket) and reports
// the bytes of the pages the bucket allocates per point ("B/pt"), the bytes
// those pages use ("inuse-B/pt") and the chunk payload ("payload-B/pt"), for
// several chunk size targets, and the page bytes the commits wrote per point
// ("written-B/pt", bbolt's TxStats.PageAlloc: the cost of re-Putting the head
// chunk grows with the target). "fits" seals a chunk when the next point would
// take it over the target (Appender.Fits); "size" seals once Size() has
// reached it.
func BenchmarkBoltBytesPerPoint(b *testing.B) {
	const (
		nSeries = 4
		commit  = 500
		n       = benchPoints
	)
	for _, target := range []int{2000, 2048, 4000, 4096, 8000, 8192} {
		for _, seal := range []string{"fits", "size"} {
			for _, name := range benchSeries {
				b.Run(fmt.Sprintf("target=%d/seal=%s/%s", target, seal, name), func(b *testing.B) {
					pts := genSeries(name, n)
					for b.Loop() {
						db, err := bolt.Open(filepath.Join(b.TempDir(), "db"), 0o600, &bolt.Options{NoSync: true})
						if err != nil {
							b.Fatal(err)
						}
						apps := make([]*Appender, nSeries)
						seqs := make([]uint32, nSeries)
						for i := range apps {
							apps[i] = NewAppender()
						}
						key := func(s int) []byte {
							k := make([]byte, 24)
							k[15] = byte(s + 1) // run id
							binary.BigEndian.PutUint32(k[16:], 7)
							binary.BigEndian.PutUint32(k[20:], seqs[s])
							return k
						}
						payload := 0
						for start := 0; start < n; start += commit {
							err := db.Update(func(tx *bolt.Tx) error {
								bk, err := tx.CreateBucketIfNotExists([]byte("series"))
								if err != nil {
									return err
								}
								for s, a := range apps {
									for _, p := range pts[start:min(start+commit, n)] {
										full := a.Full()
										if seal == "fits" {
											full = full || !a.Fits(p, target)
										} else {
											full = full || a.Size() >= target
										}
										if full && a.Count() > 0 {
											c := a.Bytes(nil)
											payload += len(c)
											if err := bk.Put(key(s), c); err != nil {
												return err
											}
											seqs[s]++
											a.Reset()
										}
										a.Append(p)
									}
									if err := bk.Put(key(s), a.Bytes(nil)); err != nil {
										return err
									}
								}
								return nil
							})
							if err != nil {
								b.Fatal(err)
							}
						}
						for _, a := range apps {
							payload += a.Size()
						}
						dbst := db.Stats()
						written := dbst.TxStats.GetPageAlloc()
						var st bolt.BucketStats
						if err := db.View(func(tx *bolt.Tx) error {
							st = tx.Bucket([]byte("series")).Stats()
							return nil
						}); err != nil {
							b.Fatal(err)
						}
						if err := db.Close(); err != nil {
							b.Fatal(err)
						}
						total := float64(nSeries * n)
						b.ReportMetric(float64(st.LeafAlloc+st.BranchAlloc)/total, "B/pt")
						b.ReportMetric(float64(st.LeafInuse+st.BranchInuse)/total, "inuse-B/pt")
						b.ReportMetric(float64(payload)/total, "payload-B/pt")
						b.ReportMetric(float64(written)/total, "written-B/pt")
					}
				})
			}
		}
	}
}
