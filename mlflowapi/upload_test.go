package mlflowapi

import (
	"net/http/httptest"
	"strings"
	"testing"
)

const uploadArtifact = ajax + "upload-artifact"

// uploadCases are requests to the UI's upload-artifact route, run in order
// over one fixture, with their answers in testdata/<name>.golden.
var uploadCases = []goldenCase{
	{"upload", "POST", uploadArtifact + "?run_uuid={run:rf}&path=ui/notes%20x.txt", "from the UI\n"},
	{"upload_no_run", "POST", uploadArtifact + "?path=x.txt", "x"},
	{"upload_no_path", "POST", uploadArtifact + "?run_uuid={run:rf}", "x"},
	{"upload_climbs", "POST", uploadArtifact + "?run_uuid={run:rf}&path=a/%2E%2E/x", "x"},
	{"upload_absolute", "POST", uploadArtifact + "?run_uuid={run:rf}&path=/etc/x", "x"},
	{"upload_no_data", "POST", uploadArtifact + "?run_uuid={run:rf}&path=x.txt", ""},
	{"upload_unknown_run", "POST", uploadArtifact + "?run_uuid=0123456789abcdef0123456789abcdef&path=x.txt", "x"},
	{"upload_not_a_run", "POST", uploadArtifact + "?run_uuid=nope&path=x.txt", "x"},
	{"upload_deleted_run", "POST", uploadArtifact + "?run_uuid={run:svm}&path=x.txt", "x"},
	{"upload_get", "GET", uploadArtifact + "?run_uuid={run:rf}&path=x.txt", ""},
	{"upload_not_on_api_prefix", "POST", api + "upload-artifact?run_uuid={run:rf}&path=x.txt", "x"},
}

func TestUploadArtifactGolden(t *testing.T) {
	f := newFixture(t)
	for _, tc := range uploadCases {
		t.Run(tc.name, func(t *testing.T) { f.check(t, tc) })
	}
	// The file reads back as uploaded, at the decoded path.
	rec := f.do(t, "GET", "/get-artifact?run_id={run:rf}&path=ui/notes%20x.txt", "")
	if rec.Code != 200 || rec.Body.String() != "from the UI\n" {
		t.Errorf("get-artifact after upload: got %d %q, want 200 \"from the UI\\n\"", rec.Code, rec.Body)
	}
}

func TestUploadArtifactTooLarge(t *testing.T) {
	f := newFixture(t)
	const want = `{"error_code":"INVALID_PARAMETER_VALUE","message":"Artifact size is too large. Max size is 10MB."}`
	big := strings.Repeat("x", maxUpload+1)
	for _, declared := range []bool{true, false} {
		req := httptest.NewRequest("POST", f.expand(uploadArtifact+"?run_uuid={run:rf}&path=big.bin"), strings.NewReader(big))
		if !declared {
			req.ContentLength = -1 // chunked: the size shows only when read
		}
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		if rec.Code != 400 || rec.Body.String() != want {
			t.Errorf("upload of %d bytes (length declared %v): got %d %s, want 400 %s", len(big), declared, rec.Code, rec.Body, want)
		}
	}
	req := httptest.NewRequest("POST", f.expand(uploadArtifact+"?run_uuid={run:rf}&path=max.bin"), strings.NewReader(big[:maxUpload]))
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("upload of exactly 10 MB: got %d %s, want 200", rec.Code, rec.Body)
	}
}

// TestSafePath checks safePath against what MLflow 3.17.2's
// validate_path_is_safe says of the same paths.
func TestSafePath(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		ok      bool
	}{
		{"a/b.txt", "a/b.txt", true},
		{"a/./b", "a/./b", true},
		{"a//b", "a//b", true},
		{`\\x`, `\\x`, true},
		{`\x`, `\x`, true},
		{`a\..\b`, `a\..\b`, true},
		{"a%252e%252e/b", "a../b", true},
		{"%", "%", true},
		{"a/../b", "", false},
		{"../b", "", false},
		{"..", "", false},
		{"/abs", "", false},
		{`C:\x`, "", false},
		{"C:/x", "", false},
		{`\\srv\share\x`, "", false},
		{"a#b", "", false},
		{"a%2F..%2Fb", "", false},
		{"file:///etc/x", "", false},
		{"file:a/b", "", false},
	} {
		out, ok := safePath(tc.in)
		if ok != tc.ok || ok && out != tc.out {
			t.Errorf("safePath(%q): got %q %v, want %q %v", tc.in, out, ok, tc.out, tc.ok)
		}
	}
}
