package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite/serving"

	_ "github.com/mlite/mlite/examples/creditdemo" // registers the quickstart's model types
	_ "github.com/mlite/mlite/serving/lightgbm"    // serves the lightgbm flavor
	_ "github.com/mlite/mlite/serving/xgboost"     // serves the xgboost flavor
)

// serveFlags are the flags of mlite serve.
type serveFlags struct {
	netFlags
}

func (a *app) serveCmd() *cobra.Command {
	var f serveFlags
	c := command("serve MODEL_URI", "Serve a registered model with MLflow's scoring protocol on http://127.0.0.1:5001",
		`  mlite serve models:/CreditDefaultModel@champion
  mlite serve models:/CreditDefaultModel/2 --port 8080
  mlite serve runs:/<run_id>/model`,
		cobra.ExactArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			if f.port < 0 || f.port > 65535 {
				return usagef("--port %d: want 0 to 65535", f.port)
			}
			m, err := serving.Load(ctx, db.Registry(), args[0])
			if err != nil {
				return err
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
mlite server.`
	f.add(c, 5001, "anything but loopback lets the network score the model: set credentials")
	return c
}

// serveModel serves m until ctx is done (SIGINT or SIGTERM), then shuts the
// server down.
func (a *app) serveModel(ctx context.Context, m *serving.Model, f serveFlags) error {
	h, err := a.guard(serving.New(m, &serving.Options{Version: version()}), f.netFlags, "score the model")
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
