package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/serving"

	_ "github.com/mlite/mlite/examples/creditdemo" // registers the quickstart's model types
	_ "github.com/mlite/mlite/serving/lightgbm"    // serves the lightgbm flavor
	_ "github.com/mlite/mlite/serving/xgboost"     // serves the xgboost flavor
)

// serveFlags are the flags of mlite serve.
type serveFlags struct {
	netFlags
	shadow       string
	shadowSample float64
	shadowModel  *serving.Model
	shadowDB     *mlite.DB
}

func (a *app) serveCmd() *cobra.Command {
	var f serveFlags
	c := command("serve MODEL_URI", "Serve a registered model with MLflow's scoring protocol on http://127.0.0.1:5001",
		`  mlite serve models:/CreditDefaultModel@champion
  mlite serve models:/CreditDefaultModel/2 --port 8080
  mlite serve runs:/<run_id>/model
  mlite serve models:/CreditDefaultModel/Production --shadow models:/CreditDefaultModel/Staging`,
		cobra.ExactArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			if f.port < 0 || f.port > 65535 {
				return usagef("--port %d: want 0 to 65535", f.port)
			}
			if f.shadowSample < 0 || f.shadowSample > 1 {
				return usagef("--shadow-sample %g: want a fraction in (0, 1]", f.shadowSample)
			}
			m, err := serving.Load(ctx, db.Registry(), args[0])
			if err != nil {
				return err
			}
			if f.shadow != "" {
				if f.shadowModel, err = serving.Load(ctx, db.Registry(), f.shadow); err != nil {
					return fmt.Errorf("--shadow: %w", err)
				}
				f.shadowDB = db
			}
			return a.serveModel(ctx, m, f)
		})
	c.Long = `Serve loads a model from the store (models:/name/version, models:/name@alias,
models:/name/stage or runs:/id/path) and serves it as MLflow's scoring server
does: POST /invocations with a JSON body (dataframe_split, dataframe_records,
instances or inputs) or CSV, checked against the model's signature, answers
{"predictions": [...]}; GET /ping and /health answer 200.

Served in pure Go: the go_mlite flavor (model types: ` + strings.Join(serving.ModelTypes(), ", ") + `)
and the MLflow flavors ` + strings.Join(serving.Flavors(), ", ") + ` as the mlflow client logs them (a LightGBM
Booster in model.lgb; an XGBoost model in model.json or model.ubj), answering
what mlflow.pyfunc's predict answers: probabilities for binary and
multiclass Boosters, classes for scikit-learn classifiers, values for
regression. A model only Python can load (a pickled scikit-learn model)
is refused with the mlflow models serve command that serves it from
mlite server.

--shadow URI runs a shadow deployment: every request is answered by
MODEL_URI alone, then handed to the shadow model, which scores it off the
request path (a bounded queue: when it is full the request is not shadowed,
and a slow or failing shadow never delays or fails a response). Both
answers, their difference and both latencies are recorded in a run of the
experiment mlite-shadow (charted on its run page); mlite models
shadow-report NAME summarizes agreement, score drift and latency
percentiles.`
	c.Flags().StringVar(&f.shadow, "shadow", "", "also score every request with this model, off the request path, and record both answers (see mlite models shadow-report)")
	c.Flags().Float64Var(&f.shadowSample, "shadow-sample", 1, "the fraction of requests the shadow scores")
	f.add(c, 5001, "anything but loopback lets the network score the model: set credentials")
	return c
}

// serveModel serves m until ctx is done (SIGINT or SIGTERM), then shuts the
// server down.
func (a *app) serveModel(ctx context.Context, m *serving.Model, f serveFlags) (err error) {
	opts := &serving.Options{Version: version()}
	if f.shadowModel != nil {
		s, stop, err := a.startShadow(ctx, f.shadowDB, m, f.shadowModel, f.shadowSample)
		if err != nil {
			return err
		}
		opts.Shadow = s
		defer func() { err = errors.Join(err, stop()) }()
	}
	h, err := a.guard(serving.New(m, opts), f.netFlags, "score the model")
	if err != nil {
		return err
	}
	ln, url, err := listen(f.host, f.port)
	if err != nil {
		return err
	}
	what := m.URI
	if m.Version != nil {
		what = fmt.Sprintf("%s (%s version %d, %s)", m.URI, m.Version.Name, m.Version.Version, m.ModelType)
	}
	a.out.printf("mlite: serving %s at %s (Ctrl-C to stop)\n", what, url)
	a.out.printf("mlite: try: curl -s %s/invocations -H 'Content-Type: application/json' -d '%s'\n", url, exampleRequest(m))
	return a.runServer(ctx, ln, h, nil)
}

// exampleRequest is a one-row dataframe_split body with a zero of the
// right type for each input column.
func exampleRequest(m *serving.Model) string {
	var cols, vals []string
	for _, c := range m.Inputs.Cols {
		if c.Name == "" {
			continue
		}
		cols = append(cols, strconv.Quote(c.Name))
		switch c.Type.Kind {
		case "string":
			vals = append(vals, `"a"`)
		case "boolean":
			vals = append(vals, "false")
		case "integer", "long":
			vals = append(vals, "1")
		case "float", "double":
			vals = append(vals, "1.0")
		default:
			vals = append(vals, "null")
		}
	}
	return fmt.Sprintf(`{"dataframe_split": {"columns": [%s], "data": [[%s]]}}`, strings.Join(cols, ", "), strings.Join(vals, ", "))
}
