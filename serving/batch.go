package serving

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/mlite/mlite/registry/mlmodel"
)

// DefaultBatchRows is how many rows Batch scores at a time by default.
const DefaultBatchRows = 4096

// Score scores a checked frame: the predictor's numbers and the answer's
// width (0: one number per row). It fails when the predictor answers the
// wrong count of numbers.
func (m *Model) Score(ctx context.Context, f *mlmodel.Frame) ([]float64, int, error) {
	preds, err := m.Predictor.Predict(ctx, f)
	width := 0
	if w, ok := m.Predictor.(Wider); ok {
		width = w.Width()
	}
	if want := f.Rows * max(width, 1); err == nil && len(preds) != want {
		err = fmt.Errorf("serving: the model returned %d numbers for %d rows", len(preds), f.Rows)
	}
	return preds, width, err
}

// BatchOptions configure Batch. nil means all defaults.
type BatchOptions struct {
	// Rows is how many rows are checked and scored at a time (memory is
	// bounded by it). Zero: DefaultBatchRows.
	Rows int
	// Format is "csv" (a header row, then one row per line) or "jsonl"
	// (one JSON object per line, a record of column values; or one scoring
	// request, read whole). Zero: csv.
	Format string
	// Progress, if set, is called after each batch with the rows scored
	// so far.
	Progress func(rows int64)
}

// ErrBatchInput is wrapped by every error about Batch's input; the message
// names the row (counted from 1, the header not counted) and column.
var ErrBatchInput = errors.New("serving: invalid input")

// Batch reads rows from r, checks them against the model's signature as
// /invocations does, scores them a batch at a time and calls emit with each
// batch's answers (Rows numbers, or Rows lists of width numbers, row after
// row). It stops at the first bad row, with an error naming it, and
// returns how many rows were scored.
func (m *Model) Batch(ctx context.Context, r io.Reader, o *BatchOptions, emit func(preds []float64, width int) error) (int64, error) {
	opts := BatchOptions{}
	if o != nil {
		opts = *o
	}
	if opts.Rows <= 0 {
		opts.Rows = DefaultBatchRows
	}
	var next func() (*mlmodel.Frame, error)
	switch opts.Format {
	case "", "csv":
		next = m.csvBatches(r, opts.Rows)
	case "jsonl":
		next = m.jsonlBatches(r, opts.Rows)
	default:
		return 0, fmt.Errorf("serving: batch format %q: want csv or jsonl", opts.Format)
	}
	var done int64
	for {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		f, err := next()
		if err == io.EOF {
			return done, nil
		}
		if err != nil {
			var se *mlmodel.SchemaError
			if errors.As(err, &se) && se.Row >= 0 {
				return done, fmt.Errorf("%w: row %d: %s", ErrBatchInput, done+int64(se.Row)+1, se.MLflowMessage())
			}
			return done, fmt.Errorf("%w: rows from %d: %s", ErrBatchInput, done+1, inputMessage(err))
		}
		preds, width, err := m.Score(ctx, f)
		if err != nil {
			return done, fmt.Errorf("serving: rows %d to %d: %w", done+1, done+int64(f.Rows), err)
		}
		if err := emit(preds, width); err != nil {
			return done, err
		}
		done += int64(f.Rows)
		if opts.Progress != nil {
			opts.Progress(done)
		}
	}
}

// csvBatches returns a reader of CSV batches: the header names the
// columns, cells are typed by the schema's column of the same name.
func (m *Model) csvBatches(r io.Reader, rows int) func() (*mlmodel.Frame, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	var header []string
	var kinds []mlmodel.Kind
	return func() (*mlmodel.Frame, error) {
		if header == nil {
			h, err := cr.Read()
			if err == io.EOF {
				return nil, inputErr("the CSV input is empty")
			}
			if err != nil {
				return nil, inputErr("CSV: %v", err)
			}
			header, kinds = h, csvKinds(h, m.Inputs)
		}
		data, err := csvRows(cr, kinds, rows)
		if err != nil {
			return nil, err
		}
		if len(data) == 0 {
			return nil, io.EOF
		}
		return m.Inputs.EnforceSplit(header, data)
	}
}

// MaxRequestFile bounds a JSON input that is one scoring request (read
// whole, as /invocations reads a body).
const MaxRequestFile = 1 << 30

// jsonlBatches returns a reader of JSON Lines batches: each line one
// object, a record of column values. Input whose first line is not such a
// record (a scoring request with dataframe_split, dataframe_records,
// instances or inputs, on one line or many) is read whole as one request.
func (m *Model) jsonlBatches(r io.Reader, rows int) func() (*mlmodel.Frame, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	first, ferr := br.Peek(64 << 10)
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	} else if ferr == nil {
		first = nil // a first line longer than 64 KiB: not a record
	}
	var rec map[string]any
	isRecord := unmarshal(bytes.TrimSpace(first), &rec) == nil && rec != nil
	for _, k := range inputKeys {
		if _, ok := rec[k]; ok {
			isRecord = false
		}
	}
	if !isRecord && len(bytes.TrimSpace(first)) > 0 || len(bytes.TrimSpace(first)) == 0 && ferr == nil {
		done := false
		return func() (*mlmodel.Frame, error) {
			if done {
				return nil, io.EOF
			}
			done = true
			body, err := io.ReadAll(io.LimitReader(br, MaxRequestFile+1))
			if err != nil {
				return nil, err
			}
			if len(body) > MaxRequestFile {
				return nil, inputErr("a JSON request larger than %d bytes: write one record per line (JSON Lines) instead", MaxRequestFile)
			}
			return decodeJSON(body, m.Inputs)
		}
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	line := 0
	return func() (*mlmodel.Frame, error) {
		var recs []map[string]any
		for len(recs) < rows && sc.Scan() {
			line++
			text := bytes.TrimSpace(sc.Bytes())
			if len(text) == 0 {
				continue
			}
			var rec map[string]any
			if err := unmarshal(text, &rec); err != nil || rec == nil {
				return nil, inputErr("line %d is not a JSON object of column values", line)
			}
			recs = append(recs, rec)
		}
		if err := sc.Err(); err != nil {
			return nil, inputErr("line %d: %v", line+1, err)
		}
		if len(recs) == 0 {
			return nil, io.EOF
		}
		return m.Inputs.Enforce(recs)
	}
}
