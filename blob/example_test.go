package blob_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlite/mlite/blob"
)

func Example() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := blob.Open(filepath.Join(dir, "runs.mlite-blobs"), nil)
	if err != nil {
		log.Fatal(err)
	}

	csv := strings.Repeat("step,loss\n1,0.5\n2,0.25\n", 100)
	info, err := s.Put(ctx, strings.NewReader(csv))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Digest, info.Size, info.Codec, info.New)

	// The same content again is stored once.
	again, err := s.Put(ctx, strings.NewReader(csv))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(again.Digest == info.Digest, again.New)

	// Reading verifies the content against its digest.
	rc, err := s.Open(ctx, info.Digest)
	if err != nil {
		log.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b) == csv)
	// Output:
	// b63e4670b666f19c2d373efc7a2b9baa10a6445322d6a3a9ea5efcaad3cc35ec 2300 zstd true
	// true false
	// true
}
