package mlmodel_test

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mlite/mlite/registry/mlmodel"
)

// The user story: signature = infer_signature(X_train, y_pred), then
// log_model(..., signature=signature). Here the model's MLmodel file is
// written with the signature.
func ExampleInferSignature() {
	X := [][]float64{{34, 52000}, {51, 87000.5}}
	yPred := []float64{0.12, 0.71}
	sig, err := mlmodel.InferSignature(mlmodel.Named(X, "age", "income"), yPred)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := &mlmodel.Model{
		ArtifactPath:   "model",
		RunID:          "a1b2c3d4e5f60718293a4b5c6d7e8f90",
		ModelUUID:      "6f1c0e4b9a5d4e2f8b7a3c1d2e4f5a6b",
		UTCTimeCreated: "2024-05-17 23:15:28.764394",
		Flavors: map[string]map[string]any{
			mlmodel.GoFlavor: {"model_file": "model.json", "model_type": "linear"},
		},
		Signature: sig,
	}
	if err := m.Encode(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// artifact_path: model
	// flavors:
	//   go_mlite:
	//     model_file: model.json
	//     model_type: linear
	// is_signature_from_type_hint: false
	// model_id: null
	// model_uuid: 6f1c0e4b9a5d4e2f8b7a3c1d2e4f5a6b
	// prompts: null
	// run_id: a1b2c3d4e5f60718293a4b5c6d7e8f90
	// signature:
	//   inputs: '[{"type": "double", "name": "age", "required": true}, {"type": "double",
	//     "name": "income", "required": true}]'
	//   outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]'
	//   params: null
	// type_hint_from_example: false
	// utc_time_created: '2024-05-17 23:15:28.764394'
}

func ExampleDecode() {
	file := `flavors:
  python_function:
    env: conda.yaml
    loader_module: mlflow.sklearn
    python_version: 3.10.16
mlflow_version: 1.30.1
model_uuid: 4d622e7b02614d1eb71f44eeb927be4f
signature:
  inputs: '[{"type": "long", "name": "age", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
utc_time_created: '2024-10-29 07:39:02.032550'
`
	m, err := mlmodel.Decode(strings.NewReader(file))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Flavors["python_function"]["loader_module"], m.MLflowVersion)
	fmt.Println(m.Signature.Inputs.Cols[0].Name, m.Signature.Inputs.Cols[0].Type)
	out, _ := m.Marshal()
	fmt.Println(string(out) == file)
	// Output:
	// mlflow.sklearn 1.30.1
	// age long
	// true
}

func ExampleSchema_Enforce() {
	schema, err := mlmodel.ParseSchemaJSON(`[{"type": "long", "name": "age", "required": true}, {"type": "double", "name": "income", "required": true}]`)
	if err != nil {
		fmt.Println(err)
		return
	}
	// JSON numbers decode as float64; integral ones fit a long column.
	frame, err := schema.Enforce([]map[string]any{{"age": 34.0, "income": 52000, "note": "dropped"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	age, _ := frame.Column("age")
	income, _ := frame.Column("income")
	fmt.Println(len(frame.Columns), age.Ints, income.Floats)

	_, err = schema.Enforce([]map[string]any{{"age": 34.5, "income": 1.0}})
	fmt.Println(err, errors.Is(err, mlmodel.ErrSchema))

	_, err = schema.Enforce([]map[string]any{{"income": 1.0, "agee": 3}})
	var se *mlmodel.SchemaError
	if errors.As(err, &se) {
		fmt.Println(se.MLflowMessage())
	}
	// Output:
	// 2 [34] [52000]
	// mlmodel: column "age", row 0: cannot safely convert number 34.5 to long true
	// Model is missing inputs ['age']. Note that there were extra inputs: ['agee'].
}

func ExampleModel_LogModelHistoryEntry() {
	m := &mlmodel.Model{
		ArtifactPath:   "model",
		RunID:          "a1b2c3d4e5f60718293a4b5c6d7e8f90",
		ModelUUID:      "6f1c0e4b9a5d4e2f8b7a3c1d2e4f5a6b",
		UTCTimeCreated: "2024-05-17 23:15:28.764394",
		Flavors: map[string]map[string]any{
			mlmodel.GoFlavor: {"model_file": "model.json", "model_type": "linear", "config": map[string]any{"left": "out"}},
		},
	}
	entry, _ := m.LogModelHistoryEntry()
	fmt.Println(entry)
	// Output:
	// {"run_id": "a1b2c3d4e5f60718293a4b5c6d7e8f90", "artifact_path": "model", "utc_time_created": "2024-05-17 23:15:28.764394", "model_uuid": "6f1c0e4b9a5d4e2f8b7a3c1d2e4f5a6b", "flavors": {"go_mlite": {"model_file": "model.json", "model_type": "linear"}}}
}
