package mlflowapi

import (
	"context"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlite/mlite/run"
)

func TestGetArtifact(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		target    string
		status    int
		ctype     string
		body      string // for 200: the content; otherwise the error code
		attachmnt string
	}{
		{"/get-artifact?run_id={run:rf}&path=notes.txt", 200, "text/plain; charset=utf-8", "all good\n", "notes.txt"},
		{"/get-artifact?run_uuid={run:rf}&path=report.html", 200, "text/plain; charset=utf-8", "<html><script>alert(1)</script></html>", "report.html"},
		{"/get-artifact?run_id={run:rf}&path=plots/roc.svg", 200, "text/plain; charset=utf-8", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, "roc.svg"},
		{"/get-artifact?run_id={run:rf}&path=model/model.bin", 200, "application/octet-stream", "\x00\x01\x02\x03\x04\x05\x06\x07", "model.bin"},
		{"/get-artifact?run_id={run:rf}&path=model/MLmodel", 200, "text/plain; charset=utf-8", "flavors:\n  go_mlite: {}\n", "MLmodel"},
		{"/model-versions/get-artifact?name=CreditModel&version=1&path=MLmodel", 200, "text/plain; charset=utf-8", "flavors:\n  go_mlite: {}\n", "MLmodel"},
		{"/model-versions/get-artifact?name=Other&version=1&path=notes.txt", 200, "text/plain; charset=utf-8", "all good\n", "notes.txt"},
		{"/get-artifact?run_id={run:rf}", 400, "application/json", codeInvalidParameter, ""},
		{"/get-artifact?path=notes.txt", 400, "application/json", codeInvalidParameter, ""},
		{"/get-artifact?run_id={run:rf}&path=nope.txt", 404, "application/json", codeNotFound, ""},
		{"/get-artifact?run_id={run:rf}&path=model", 400, "application/json", codeInvalidParameter, ""},
		{"/get-artifact?run_id={run:rf}&path=../../etc/passwd", 400, "application/json", codeInvalidParameter, ""},
		{"/get-artifact?run_id=0123456789abcdef0123456789abcdef&path=notes.txt", 404, "application/json", codeNotFound, ""},
		{"/model-versions/get-artifact?name=CreditModel&version=7&path=MLmodel", 404, "application/json", codeNotFound, ""},
		{"/model-versions/get-artifact?name=CreditModel&version=1&path=nope", 404, "application/json", codeNotFound, ""},
	} {
		rec := f.do(t, "GET", tc.target, "")
		hd := rec.Header()
		if rec.Code != tc.status || hd.Get("Content-Type") != tc.ctype {
			t.Errorf("GET %s: got %d %q, want %d %q (%s)", tc.target, rec.Code, hd.Get("Content-Type"), tc.status, tc.ctype, rec.Body)
			continue
		}
		if hd.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: got X-Content-Type-Options %q, want nosniff", tc.target, hd.Get("X-Content-Type-Options"))
		}
		if tc.status != 200 {
			if !strings.Contains(rec.Body.String(), `"error_code":"`+tc.body+`"`) {
				t.Errorf("GET %s: got body %s, want error %s", tc.target, rec.Body, tc.body)
			}
			continue
		}
		if got := rec.Body.String(); got != tc.body {
			t.Errorf("GET %s: got body %q, want %q", tc.target, got, tc.body)
		}
		if got := hd.Get("Content-Security-Policy"); got != "sandbox" {
			t.Errorf("GET %s: got Content-Security-Policy %q, want sandbox", tc.target, got)
		}
		if got, want := hd.Get("Content-Disposition"), "attachment; filename="+tc.attachmnt; got != want {
			t.Errorf("GET %s: got Content-Disposition %q, want %q", tc.target, got, want)
		}
	}
}

func TestContentType(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"a/index.HTML", "text/plain; charset=utf-8"},
		{"x.svg", "text/plain; charset=utf-8"},
		{"x.js", "text/plain; charset=utf-8"},
		{"x.xhtml", "text/plain; charset=utf-8"},
		{"plot.png", "image/png"},
		{"data.json", "application/json"},
		{"weights.onnx", "application/octet-stream"},
		{"noext", "application/octet-stream"},
		{"model/MLmodel", "text/plain; charset=utf-8"},
	} {
		if got := contentType(tc.path); got != tc.want {
			t.Errorf("contentType(%q): got %q, want %q", tc.path, got, tc.want)
		}
	}
}

// TestGetArtifactLarge streams a file of several buffers whole, and cuts a
// damaged one short so the client sees an error rather than bad bytes.
func TestGetArtifactLarge(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	data := make([]byte, 300<<10+17)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	id := f.runs["rf"]
	if err := f.tr.LogBytes(ctx, id, data, "big/weights.bin"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.h)
	defer srv.Close()
	get := func() ([]byte, error) {
		resp, err := http.Get(srv.URL + "/get-artifact?run_id=" + id.String() + "&path=big/weights.bin")
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("got status %d, want 200", resp.StatusCode)
		}
		return io.ReadAll(resp.Body)
	}
	got, err := get()
	if err != nil || string(got) != string(data) {
		t.Fatalf("download: got %d bytes, err %v; want the %d bytes logged", len(got), err, len(data))
	}

	// Damage the stored blob's last byte (stored raw: random bytes do not
	// compress).
	files, err := f.tr.ListArtifacts(ctx, id, "big", false)
	if err != nil || len(files) != 1 {
		t.Fatalf("list: %v %v", files, err)
	}
	h := hex.EncodeToString(files[0].Digest[:])
	p := filepath.Join(run.BlobDir(f.path), h[:2], h[2:])
	must(t, os.Chmod(p, 0o644))
	b, err := os.ReadFile(p)
	must(t, err)
	b[len(b)-1] ^= 0xff
	must(t, os.WriteFile(p, b, 0o644))
	got, err = get()
	if err == nil {
		t.Fatalf("download of a damaged blob: got %d bytes and no error, want a cut-off body", len(got))
	}
	if len(got) >= len(data) {
		t.Errorf("download of a damaged blob: got %d bytes, want fewer than %d", len(got), len(data))
	}
}
