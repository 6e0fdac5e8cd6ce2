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
		wantCode  int  // 0: the connection drops before the status line
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
		{"first read's size", Whole, true, false, true, 200},
		{"first read's size damaged", Whole, true, true, false, 0}, // nothing sent, no status line
	} {
		for _, kind := range []string{"reader", "withholder"} {
			t.Run(tt.name+"/"+kind, func(t *testing.T) {
				data := bytes.Repeat([]byte("0123456789abcdef"), tt.size/16+1)[:tt.size]
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					var rc io.Reader = bytes.NewReader(data)
					if kind == "withholder" {
						rc = &withholder{r: bytes.NewReader(data), damaged: tt.damaged}
					} else if tt.damaged {
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
				if err != nil && tt.wantCode == 0 {
					return // dropped before the status line: no download
				}
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
}

// withholder reads data as damaged does when damaged, and its WriteTo
// writes it in chunks of 1 MiB, all but the last when damaged, as a blob
// reader does.
type withholder struct {
	r       *bytes.Reader
	damaged bool
}

func (w *withholder) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if err == io.EOF && w.damaged {
		return n, errDamaged
	}
	return n, err
}

func (w *withholder) WriteTo(dst io.Writer) (int64, error) {
	rest := make([]byte, w.r.Len())
	w.r.Read(rest)
	var total int64
	for len(rest) > 0 {
		n := min(len(rest), 1<<20)
		if n == len(rest) && w.damaged {
			return total, errDamaged
		}
		m, err := dst.Write(rest[:n])
		total += int64(m)
		if err != nil {
			return total, err
		}
		rest = rest[n:]
	}
	if w.damaged {
		return total, errDamaged
	}
	return total, nil
}

func (w *withholder) WithholdsDamagedTail() {}
