package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite/serving"
)

func (a *app) predictCmd() *cobra.Command {
	var input, output string
	var rows int
	c := command("predict MODEL_URI --input FILE [--output FILE]", "Score a CSV or JSON Lines file with a registered model, in pure Go",
		`  mlite predict models:/CreditDefaultModel/Production --input loans.csv --output scores.csv
  mlite predict models:/CreditDefaultModel@champion --input loans.jsonl --output scores.jsonl
  cat loans.csv | mlite predict runs:/<run_id>/model --input - > scores.csv`,
		cobra.ExactArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			if input == "" {
				return usagef("--input is required (a .csv or .jsonl file, or - for CSV on stdin)")
			}
			if rows < 0 {
				return usagef("--batch-rows %d: want a positive number", rows)
			}
			format, err := batchFormat(input)
			if err != nil {
				return err
			}
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			m, err := serving.Load(ctx, db.Registry(), args[0])
			if err != nil {
				return err
			}
			return a.predict(ctx, m, input, output, &serving.BatchOptions{Rows: rows, Format: format})
		})
	c.Long = `Predict scores every row of a file with a model from the store, as mlite serve
would answer them, without a server: each batch of rows is checked against the
model's signature (a bad row stops the run, naming it), scored, and written
before the next is read, so memory stays bounded whatever the file's size.

Input: .csv (a header row naming the columns) or .jsonl (one JSON object of
column values per line); - reads CSV from stdin. Output, by its extension:
.csv (a prediction column, or prediction_0 .. prediction_K-1 for class
probabilities), .jsonl (one answer per line) or .json ({"predictions": [...]},
as mlite serve answers); none writes CSV to stdout. The output file appears
only when all rows are scored. A progress bar shows on a terminal.`
	c.Flags().StringVarP(&input, "input", "i", "", "the rows to score: a .csv or .jsonl file, - for CSV on stdin")
	c.Flags().StringVarP(&output, "output", "o", "", "where to write the answers: .csv, .jsonl or .json (default: CSV on stdout)")
	c.Flags().IntVar(&rows, "batch-rows", serving.DefaultBatchRows, "rows checked and scored at a time")
	return c
}

// batchFormat is the input format of a file name.
func batchFormat(name string) (string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return "csv", nil
	case ".jsonl", ".ndjson", ".json":
		return "jsonl", nil
	}
	if name == "-" {
		return "csv", nil
	}
	return "", usagef("--input %s: want a .csv or .jsonl file (one JSON object of column values per line)", name)
}

// predict scores input into output.
func (a *app) predict(ctx context.Context, m *serving.Model, input, output string, o *serving.BatchOptions) (err error) {
	var in io.Reader = os.Stdin
	var bar *progress
	if input != "-" {
		f, ferr := os.Open(input)
		if ferr != nil {
			return usagef("--input: %w", ferr)
		}
		defer f.Close()
		in = f
		if info, err := f.Stat(); err == nil {
			bar = a.newProgress(info.Size(), "scoring "+filepath.Base(input), true)
			in = bar.reader(f)
		}
	}
	defer bar.done()

	var out io.Writer = a.stdout
	kind := "csv"
	if output != "" {
		switch strings.ToLower(filepath.Ext(output)) {
		case ".csv":
		case ".jsonl", ".ndjson":
			kind = "jsonl"
		case ".json":
			kind = "json"
		default:
			return usagef("--output %s: want a .csv, .jsonl or .json file", output)
		}
		tmp, terr := os.CreateTemp(filepath.Dir(output), "."+filepath.Base(output)+".*")
		if terr != nil {
			return terr
		}
		defer func() {
			if err == nil {
				err = tmp.Close()
			} else {
				tmp.Close()
			}
			if err == nil {
				err = os.Rename(tmp.Name(), output)
			}
			if err != nil {
				os.Remove(tmp.Name())
			}
		}()
		out = tmp
	}
	w := &answerWriter{w: bufio.NewWriter(out), kind: kind}
	n, err := m.Batch(ctx, in, o, w.write)
	if err == nil {
		err = w.close()
	}
	if errors.Is(err, serving.ErrBatchInput) {
		return &usageError{err: err}
	}
	if err != nil {
		return err
	}
	if output != "" {
		a.out.printf("mlite: scored %d rows with %s into %s\n", n, m.URI, output)
	}
	return nil
}

// answerWriter writes batches of answers as CSV, JSON Lines or one JSON
// object.
type answerWriter struct {
	w       *bufio.Writer
	kind    string
	started bool
}

func (aw *answerWriter) write(preds []float64, width int) error {
	if !aw.started {
		aw.started = true
		switch aw.kind {
		case "csv":
			if width == 0 {
				aw.w.WriteString("prediction\n")
			} else {
				cols := make([]string, width)
				for i := range cols {
					cols[i] = "prediction_" + strconv.Itoa(i)
				}
				aw.w.WriteString(strings.Join(cols, ",") + "\n")
			}
		case "json":
			aw.w.WriteString(`{"predictions": [`)
		}
	} else if aw.kind == "json" {
		aw.w.WriteString(", ")
	}
	for i, row := range serving.Outputs(preds, width) {
		switch aw.kind {
		case "csv":
			aw.w.WriteString(csvAnswer(row) + "\n")
		case "jsonl", "json":
			b, err := json.Marshal(row)
			if err != nil {
				return err
			}
			if aw.kind == "json" && i > 0 {
				aw.w.WriteString(", ")
			}
			aw.w.Write(b)
			if aw.kind == "jsonl" {
				aw.w.WriteByte('\n')
			}
		}
	}
	return nil
}

// csvAnswer is one row's answer as CSV cells (empty for null).
func csvAnswer(v any) string {
	switch x := v.(type) {
	case []any:
		cells := make([]string, len(x))
		for i, e := range x {
			cells[i] = csvAnswer(e)
		}
		return strings.Join(cells, ",")
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return ""
}

func (aw *answerWriter) close() error {
	switch {
	case aw.kind == "json" && !aw.started:
		aw.w.WriteString(`{"predictions": []}` + "\n")
	case aw.kind == "json":
		aw.w.WriteString("]}\n")
	case aw.kind == "csv" && !aw.started:
		aw.w.WriteString("prediction\n")
	}
	if err := aw.w.Flush(); err != nil {
		return fmt.Errorf("write the answers: %w", err)
	}
	return nil
}
