package viewer_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/mlitetest"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/viewer"
)

// TestCorruptArtifactIsNeverAWholeDownload damages a blob on disk and
// downloads its artifact through every route that serves files (MLflow's
// get-artifact, its artifact proxy, a model version's get-artifact, the
// viewer's raw files): a small file gets an error status, a large one an
// aborted body, and no client ever reads a successful download of other
// bytes than were logged.
func TestCorruptArtifactIsNeverAWholeDownload(t *testing.T) {
	for _, size := range []int{1 << 10, 300 << 10, 3 << 20} {
		t.Run(sizeName(size), func(t *testing.T) {
			ctx := context.Background()
			db := mlitetest.New(t)
			r, err := db.StartRun(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			data := make([]byte, size)
			rng := rand.New(rand.NewPCG(1, uint64(size)))
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			if err := r.LogBytes(ctx, data, "model/weights.bin"); err != nil {
				t.Fatal(err)
			}
			if err := r.End(ctx); err != nil {
				t.Fatal(err)
			}
			reg := db.Registry()
			if _, err := reg.CreateModel(ctx, "M", nil, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := reg.CreateVersion(ctx, "M", "runs:/"+r.ID().String()+"/model", r.ID().String()); err != nil {
				t.Fatal(err)
			}
			corruptBlobs(t, db)
			v, err := viewer.New(db, &viewer.Options{MLflowWrites: true})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(v)
			defer srv.Close()
			id := r.ID().String()
			for _, u := range []string{
				"/get-artifact?run_id=" + id + "&path=model/weights.bin",
				"/api/2.0/mlflow-artifacts/artifacts/0/" + id + "/artifacts/model/weights.bin",
				"/model-versions/get-artifact?name=M&version=1&path=weights.bin",
				"/artifacts/" + id + "/raw?path=" + url.QueryEscape("model/weights.bin"),
				"/models/M/versions/1/raw?path=weights.bin",
			} {
				resp, err := http.Get(srv.URL + u)
				if err != nil {
					continue // refused outright: fine
				}
				body, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK && rerr == nil {
					t.Errorf("GET %s: 200 and a body read without error (%d bytes, equal to what was logged: %v)", u, len(body), bytes.Equal(body, data))
				}
				if size <= 32<<10 && resp.StatusCode == http.StatusOK {
					t.Errorf("GET %s: a small damaged file was answered 200, want an error status", u)
				}
			}
		})
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return itoa(n>>20) + "MiB"
	}
	return itoa(n>>10) + "KiB"
}

func itoa(n int) string {
	b := []byte{}
	for ; n > 0 || len(b) == 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// corruptBlobs flips one byte in the second half of every blob file of db.
func corruptBlobs(t *testing.T, db *mlite.DB) {
	t.Helper()
	n := 0
	filepath.Walk(run.BlobDir(db.Path()), func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() || filepath.Base(filepath.Dir(p)) == "tmp" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)*3/4] ^= 0x55
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		n++
		return nil
	})
	if n == 0 {
		t.Fatal("no blob to damage")
	}
}
