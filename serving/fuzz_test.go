package serving

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzInvocations feeds arbitrary bodies to the request decoder through the
// handler: it must answer 200, 400 or 413, never panic or hang.
func FuzzInvocations(f *testing.F) {
	seeds := []struct {
		csv  bool
		body string
	}{
		{false, `{"dataframe_split": {"columns": ["x", "n"], "data": [[1.5, 2]]}}`},
		{false, `{"dataframe_split": {"data": [[1.5, 2, "t"]], "index": [0]}}`},
		{false, `{"dataframe_records": [{"x": 1, "n": 2, "tag": "a"}]}`},
		{false, `{"instances": [[1, 2], [3, 4]]}`},
		{false, `{"inputs": {"x": [1, 2], "n": [10, 20]}, "params": {"k": 1}}`},
		{false, `{"inputs": [1, 2]}`},
		{true, "x,n,tag\n1.5,2,a\n,3,\n"},
		{true, "n\n\"1\n"},
	}
	for _, s := range seeds {
		f.Add(s.csv, s.body)
	}
	h := testHandler(f)
	f.Fuzz(func(t *testing.T, csv bool, body string) {
		req := httptest.NewRequest("POST", "/invocations", strings.NewReader(body))
		if csv {
			req.Header.Set("Content-Type", "text/csv")
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 400, 413:
		default:
			t.Errorf("csv=%t %q: got status %d %s", csv, body, rec.Code, rec.Body)
		}
	})
}
