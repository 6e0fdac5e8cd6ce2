package serving_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/examples/creditdemo"
	"github.com/mlite/mlite/serving"
)

// Serve the quickstart's champion and score one loan.
func ExampleNew() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "serving-example-")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "q.mlite")
	if _, err := creditdemo.Build(ctx, path, &creditdemo.Options{Children: 2}); err != nil {
		fmt.Println(err)
		return
	}
	db, err := mlite.Open(path, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	m, err := serving.Load(ctx, db.Registry(), "models:/CreditDefaultModel@champion")
	if err != nil {
		fmt.Println(err)
		return
	}
	h := serving.New(m, nil) // an http.Handler: give it to http.Server

	body := `{"dataframe_records": [{"income": 52000, "debt_to_income": 0.31, "credit_utilization": 0.42,
		"age": 37, "late_payments_12m": 0, "open_accounts": 4, "loan_amount": 12000, "employment_years": 6}]}`
	req := httptest.NewRequest("POST", "/invocations", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.HasPrefix(rec.Body.String(), `{"predictions":[0.`))
	// Output: 200 true
}
