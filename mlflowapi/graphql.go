package mlflowapi

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strconv"

	graphql "github.com/graph-gophers/graphql-go"
)

// gqlRequest is a request to /graphql: MLflow reads query, operationName
// and variables from a JSON body; a GET may give them in the query string
// instead (variables as JSON text).
type gqlRequest struct {
	query, operation string
	vars             map[string]any
}

func decodeGraphQL(a *args) gqlRequest {
	q := gqlRequest{query: a.required("query"), operation: a.str("operationName")}
	if !a.ok() || !a.has("variables") {
		return q
	}
	var raw []byte
	if a.p.query != nil {
		raw = []byte(a.p.query.Get("variables"))
	} else {
		raw = a.p.body["variables"]
	}
	if err := json.Unmarshal(raw, &q.vars); err != nil || !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		a.fail(a.p.badValue("variables"))
	}
	return q
}

// gqlResult is MLflow's answer to a GraphQL request: data as the query
// shaped it (null when the query did not run) and the errors' messages
// (null when none).
type gqlResult struct {
	data   json.RawMessage
	errors []string
}

// graphql runs a query as MLflow's /graphql does: its limits first, then
// the query. Whatever is wrong with the query is in the answer's errors,
// with status 200.
func (h *Handler) graphql(ctx context.Context, q gqlRequest) (gqlResult, error) {
	if h.gql == nil {
		return gqlResult{}, h.gqlErr
	}
	if err := checkGQLLimits(q.query, h.gqlMaxRoot, h.gqlMaxAliases); err != nil {
		return gqlResult{errors: []string{err.msg}}, nil
	}
	resp := h.gql.Exec(ctx, q.query, q.operation, q.vars)
	res := gqlResult{data: sortKeys(resp.Data)}
	for _, e := range resp.Errors {
		res.errors = append(res.errors, e.Message)
	}
	return res, nil
}

// sortKeys rewrites a JSON value with every object's keys in order, as
// MLflow's server (Flask's jsonify) writes its GraphQL answers; numbers
// keep their text.
func sortKeys(data json.RawMessage) json.RawMessage {
	if len(data) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return data
	}
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if e.Encode(v) != nil {
		return data
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func writeGraphQL(w *jsonWriter, res gqlResult) {
	w.key("data")
	if res.data == nil {
		w.b = append(w.b, "null"...)
	} else {
		w.b = append(w.b, res.data...)
	}
	w.key("errors")
	if res.errors == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, '[')
	for i, msg := range res.errors {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = appendString(w.b, msg)
	}
	w.b = append(w.b, ']')
}

// newGraphQL sets up h's GraphQL schema and MLflow's limits, which its
// environment variables change as they change MLflow's.
func (h *Handler) newGraphQL() {
	h.gqlMaxRoot = envInt(gqlEnvMaxRootFields, gqlDefaultMaxRoot)
	h.gqlMaxAliases = envInt(gqlEnvMaxAliases, gqlDefaultMaxAlias)
	h.gql, h.gqlErr = graphql.ParseSchema(gqlSchema, &gqlRoot{h}, graphql.UseFieldResolvers(), graphql.MaxDepth(gqlMaxNesting))
}

// envInt is environment variable name as an integer; def when it is
// unset or not one.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}
