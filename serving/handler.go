package serving

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/mlite/mlite/registry/mlmodel"
)

// Defaults of Options.
const (
	DefaultMaxBodyBytes = 32 << 20
	DefaultTimeout      = 60 * time.Second
)

// Options configure New. nil means all defaults.
type Options struct {
	// MaxBodyBytes bounds a request body; larger ones get 413. Zero:
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Timeout bounds a prediction (MLflow's
	// MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT); past it the answer is 504.
	// Zero: DefaultTimeout.
	Timeout time.Duration
	// Version is the body of GET /version. Empty: "mlite".
	Version string
	// Shadow, if set, gets every answered request to score with its model
	// off the request path (see Shadow).
	Shadow *Shadow
}

type handler struct {
	m   *Model
	o   Options
	mux *http.ServeMux
}

// New returns the scoring server of m: GET /ping and /health (200, body
// "\n"), GET /version, and POST /invocations taking application/json
// (dataframe_split, dataframe_records, instances or inputs) or text/csv and
// answering {"predictions": [...]}. Errors are MLflow's JSON body
// {"error_code": ..., "message": ...}.
func New(m *Model, o *Options) http.Handler {
	h := &handler{m: m, o: valueOf(o), mux: http.NewServeMux()}
	h.o.MaxBodyBytes = positiveOr(h.o.MaxBodyBytes, DefaultMaxBodyBytes)
	h.o.Timeout = positiveOr(h.o.Timeout, DefaultTimeout)
	h.o.Version = cmp.Or(h.o.Version, "mlite")
	ping := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "\n")
	}
	h.mux.HandleFunc("GET /ping", ping)
	h.mux.HandleFunc("GET /health", ping)
	h.mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, h.o.Version)
	})
	h.mux.HandleFunc("POST /invocations", h.invocations)
	return h.mux
}

// valueOf returns *o, or the zero options for nil.
func valueOf[T any](o *T) T {
	if o == nil {
		var zero T
		return zero
	}
	return *o
}

// positiveOr returns v, or def when v is zero or negative (an option left
// to its default).
func positiveOr[T int | int64 | float64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// writeError writes MLflow's error body.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error_code": code, "message": msg})
}

// contentType returns "json" or "csv", or a message for 415.
func contentType(header string) (string, string) {
	bad := fmt.Sprintf("This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got '%s'.", header)
	mt, params, err := mime.ParseMediaType(header)
	if err != nil {
		return "", bad
	}
	for k, v := range params {
		if k != "charset" {
			return "", bad
		}
		if cs := strings.ToLower(v); cs != "utf-8" && cs != "utf8" {
			return "", "The scoring server only supports UTF-8"
		}
	}
	switch mt {
	case "application/json":
		return "json", ""
	case "text/csv":
		return "csv", ""
	}
	return "", bad
}

func (h *handler) invocations(w http.ResponseWriter, r *http.Request) {
	kind, msg := contentType(r.Header.Get("Content-Type"))
	if kind == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnsupportedMediaType)
		io.WriteString(w, msg)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.o.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "BAD_REQUEST",
				fmt.Sprintf("Invalid input. The request body is larger than %d bytes.", h.o.MaxBodyBytes))
			return
		}
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "Invalid input. Could not read the request body: "+err.Error())
		return
	}
	var f *mlmodel.Frame
	if kind == "json" {
		f, err = decodeJSON(body, h.m.Inputs)
	} else {
		f, err = decodeCSV(body, h.m.Inputs)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", inputMessage(err))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.o.Timeout)
	defer cancel()
	start := time.Now()
	preds, width, err := h.m.Score(ctx, f)
	latency := time.Since(start)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			writeError(w, http.StatusGatewayTimeout, "INTERNAL_ERROR", "Request processing time exceeded limit")
			return
		}
		writeError(w, http.StatusBadRequest, "BAD_REQUEST",
			"Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is compatible with the model for inference. Error: "+err.Error())
		return
	}
	out := Outputs(preds, width)
	if h.o.Shadow != nil {
		defer h.o.Shadow.offer(f, preds, width, latency)
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(map[string]any{"predictions": out}); err != nil {
		writeError(w, http.StatusInternalServerError, "INTERNAL_ERROR", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(buf.Bytes())
}

// Outputs shapes a predictor's numbers as MLflow's scoring server writes
// them: one number per row (width 0), or a list of width numbers per row;
// NaN and infinities become null, as pandas' to_json writes them.
func Outputs(preds []float64, width int) []any {
	num := func(p float64) any {
		if math.IsNaN(p) || math.IsInf(p, 0) {
			return nil
		}
		return p
	}
	if width <= 0 {
		out := make([]any, len(preds))
		for i, p := range preds {
			out[i] = num(p)
		}
		return out
	}
	out := make([]any, len(preds)/width)
	for i := range out {
		row := make([]any, width)
		for j := range row {
			row[j] = num(preds[i*width+j])
		}
		out[i] = row
	}
	return out
}

// inputMessage is the message of a refused request, with MLflow's
// "Invalid input." prefix and the schema error's MLflow wording.
func inputMessage(err error) string {
	var se *mlmodel.SchemaError
	if errors.As(err, &se) {
		return "Invalid input. " + se.MLflowMessage()
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, errInput.Error()+": ")
	if strings.HasPrefix(msg, "Invalid input.") {
		return msg
	}
	return "Invalid input. " + msg
}
