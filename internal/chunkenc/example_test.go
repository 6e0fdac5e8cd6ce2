package chunkenc_test

import (
	"fmt"
	"log"

	"github.com/mlite/mlite/internal/chunkenc"
)

// Build chunks the way the store does: seal a chunk when the next point would
// take it over TargetSize, and read a chunk's summary without decoding it.
func Example() {
	var chunks [][]byte
	a := chunkenc.NewAppender()
	for i := range 5000 {
		p := chunkenc.Point{Step: int64(i), Time: 1_700_000_000_000 + int64(i)*50, Value: float64(i) * 0.5}
		if a.Count() > 0 && !a.Fits(p, chunkenc.TargetSize) {
			chunks = append(chunks, a.Bytes(nil))
			a.Reset()
		}
		a.Append(p)
	}
	chunks = append(chunks, a.Bytes(nil))

	for _, c := range chunks {
		h, err := chunkenc.ReadHeader(c)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%d bytes: %d points, steps %d..%d, last %v\n", len(c), h.Count, h.MinStep, h.MaxStep, h.Last.Value)
	}
	// Output:
	// 803 bytes: 5000 points, steps 0..4999, last 2499.5
}

// Decode a chunk in bulk or point by point.
func ExampleAppendPoints() {
	a := chunkenc.NewAppender()
	a.Append(chunkenc.Point{Step: 0, Time: 1000, Value: 0.9})
	a.Append(chunkenc.Point{Step: 1, Time: 1050, Value: 0.7})
	chunk := a.Bytes(nil)

	pts, err := chunkenc.AppendPoints(nil, chunk)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pts)

	it, err := chunkenc.NewIterator(chunk)
	if err != nil {
		log.Fatal(err)
	}
	for it.Next() {
		fmt.Println(it.At().Step, it.At().Value)
	}
	if err := it.Err(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// [{0 1000 0.9} {1 1050 0.7}]
	// 0 0.9
	// 1 0.7
}

// MLflow's latest-metric rule: step first, then time, then value.
func ExampleNewer() {
	a := chunkenc.Point{Step: 3, Time: 50, Value: 20}
	b := chunkenc.Point{Step: 3, Time: 50, Value: 10}
	c := chunkenc.Point{Step: 0, Time: 100, Value: 1000}
	fmt.Println(chunkenc.Newer(a, b), chunkenc.Newer(c, a))
	// Output: true false
}
