package httpsend

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

var errDamaged = errors.New("digest mismatch")

// damaged reads data, then reports errDamaged instead of io.EOF, as a blob
// reader does for a damaged blob.
type damaged struct{ r io.Reader }

func (d damaged) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err == io.EOF {
		return n, errDamaged
	}
	return n, err
}

func TestStream(t *testing.T) {
	for _, tt := range []struct {
		name      string
		size      int
		announce  bool // the caller knows the size
		damaged   bool
		wantWhole bool // the client reads a 200 body without error
		wantCode  int
	}{
		{"small", 1000, true, false, true, 200},
		{"small, unknown size", 1000, false, false, true, 200},
		{"large", 3 << 20, true, false, true, 200},
		{"large, unknown size", 3 << 20, false, false, true, 200},
		{"empty", 0, true, false, true, 200},
		{"small damaged", 1000, true, true, false, 500},
		{"small damaged, unknown size", 1000, false, true, false, 500},
		{"large damaged", 3 << 20, true, true, false, 200},
		{"large damaged, unknown size", 3 << 20, false, true, false, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := bytes.Repeat([]byte("0123456789abcdef"), tt.size/16+1)[:tt.size]
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var rc io.Reader = bytes.NewReader(data)
				if tt.damaged {
					rc = damaged{rc}
				}
				size := int64(-1)
				if tt.announce {
					size = int64(len(data))
				}
				err := Stream(r.Context(), w, r, size, rc)
				var sent *SentError
				switch {
				case errors.As(err, &sent):
					Abort()
				case err != nil:
					http.Error(w, err.Error(), 500)
				}
			}))
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantCode {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.wantCode)
			}
			whole := resp.StatusCode == 200 && rerr == nil
			if whole != tt.wantWhole {
				t.Errorf("whole download %v (read error %v), want %v", whole, rerr, tt.wantWhole)
			}
			if whole && !bytes.Equal(body, data) {
				t.Errorf("got %d bytes, not the %d sent", len(body), len(data))
			}
		})
	}
}
