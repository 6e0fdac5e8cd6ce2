package mlflowapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mlite/mlite/mlitetest"
	"github.com/mlite/mlite/run"
)

// TestInvalidUTF8Refused: text that is not valid UTF-8 (raw bytes, or a
// lone surrogate escape that encoding/json would turn into U+FFFD) is
// refused with MLflow's 400 INVALID_PARAMETER_VALUE on every write, and
// nothing is stored; proper text, surrogate pairs included, goes through.
func TestInvalidUTF8Refused(t *testing.T) {
	db := mlitetest.New(t)
	srv := httptest.NewServer(New(db, nil))
	defer srv.Close()
	post := func(path, body string) (int, string) {
		resp, err := http.Post(srv.URL+"/api/2.0/mlflow/"+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := post("runs/create", `{"experiment_id":"0","run_name":"r"}`)
	if code != 200 {
		t.Fatalf("runs/create: %d %s", code, body)
	}
	var created struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			}
		}
	}
	json.Unmarshal([]byte(body), &created)
	id := created.Run.Info.RunID
	tests := []struct {
		path, body string
		wantOK     bool
	}{
		{"experiments/create", "{\"name\":\"bad\xffname\"}", false},
		{"experiments/create", `{"name":"bad\udc80name"}`, false},
		{"experiments/create", `{"name":"pair \ud83d\ude00 ok"}`, true},
		{"runs/log-parameter", `{"run_id":"` + id + "\",\"key\":\"k\",\"value\":\"v\xc3\"}", false},
		{"runs/log-parameter", `{"run_id":"` + id + `","key":"k","value":"\ud800"}`, false},
		{"runs/log-parameter", `{"run_id":"` + id + `","key":"k","value":"\\ud800 is text"}`, true},
		{"runs/set-tag", `{"run_id":"` + id + "\",\"key\":\"t\xfe\",\"value\":\"v\"}", false},
		{"runs/log-metric", `{"run_id":"` + id + `","key":"m\udfff","value":1,"timestamp":1,"step":0}`, false},
		{"runs/log-batch", `{"run_id":"` + id + "\",\"params\":[{\"key\":\"p\",\"value\":\"\xff\"}]}", false},
		{"registered-models/create", `{"name":"model\udc00"}`, false},
	}
	for _, tt := range tests {
		code, body := post(tt.path, tt.body)
		if tt.wantOK {
			if code != 200 {
				t.Errorf("%s %q: got %d %s, want 200", tt.path, tt.body, code, body)
			}
			continue
		}
		if code != 400 || !strings.Contains(body, `"error_code":"INVALID_PARAMETER_VALUE"`) || !strings.Contains(body, "not valid UTF-8") {
			t.Errorf("%s %q: got %d %s, want 400 INVALID_PARAMETER_VALUE about UTF-8", tt.path, tt.body, code, body)
		}
	}
	runID, err := run.ParseID(id)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := db.GetRun(t.Context(), runID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Params) != 1 || rec.Params["k"] != `\ud800 is text` || len(rec.Metrics) != 0 || len(rec.Tags) > 0 && rec.Tags["t\ufffd"] != "" {
		t.Errorf("stored: params %q, metrics %v, tags %q", rec.Params, rec.Metrics, rec.Tags)
	}
}

// FuzzBadText: a JSON string badText accepts decodes to valid UTF-8 with
// no replacement character the text did not spell out.
func FuzzBadText(f *testing.F) {
	for _, s := range []string{`"a"`, `"\ud83d\ude00"`, `"\udc80"`, "\"\xff\"", `"\\ud800"`, `"\ud800\u0041"`, `"\ufffd"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s string
		if at, _ := badText(b); at >= 0 || json.Unmarshal(b, &s) != nil {
			return
		}
		if !utf8.ValidString(s) {
			t.Fatalf("%q decoded to invalid UTF-8 %q", b, s)
		}
		if strings.ContainsRune(s, utf8.RuneError) && !strings.Contains(string(b), "\ufffd") && !strings.Contains(strings.ToLower(string(b)), `\ufffd`) {
			t.Fatalf("%q decoded to %q with a replacement character", b, s)
		}
	})
}
