package xgboost

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// buildTree makes a tree of one entry of the model's trees, checking that
// every walk ends at a leaf and every split names a feature below
// nFeatures.
func buildTree(t map[string]any, nFeatures int) (tree, error) {
	var out tree
	if t == nil {
		return out, errors.New("not an object")
	}
	if p := obj(t["tree_param"]); p != nil {
		if n, err := intParam(p, "size_leaf_vector"); err == nil && n > 1 {
			return out, fmt.Errorf("vector leaves (multi-target trees) are not served in Go")
		}
	}
	left, err := int32s(t["left_children"])
	if err != nil {
		return out, fmt.Errorf("left_children: %w", err)
	}
	n := len(left)
	if n == 0 {
		return out, errors.New("no nodes")
	}
	right, err := int32s(t["right_children"])
	if err != nil || len(right) != n {
		return out, fmt.Errorf("right_children: %d values for %d nodes (%v)", len(right), n, err)
	}
	feature, err := int32s(t["split_indices"])
	if err != nil || len(feature) != n {
		return out, fmt.Errorf("split_indices: %d values for %d nodes (%v)", len(feature), n, err)
	}
	cond, err := float32s(t["split_conditions"])
	if err != nil || len(cond) != n {
		return out, fmt.Errorf("split_conditions: %d values for %d nodes (%v)", len(cond), n, err)
	}
	dl, err := int32s(t["default_left"])
	if err != nil || len(dl) != n {
		return out, fmt.Errorf("default_left: %d values for %d nodes (%v)", len(dl), n, err)
	}
	if st, err := int32s(t["split_type"]); err == nil {
		for i, s := range st {
			if s != 0 && i < n && left[i] != -1 {
				return out, fmt.Errorf("node %d is a categorical split, which is not served in Go", i)
			}
		}
	}
	out.defLeft = make([]bool, n)
	for i := range n {
		out.defLeft[i] = dl[i] != 0
		if left[i] == -1 {
			continue // a leaf
		}
		// A child comes after its parent, so that every walk ends.
		if left[i] <= int32(i) || int(left[i]) >= n || right[i] <= int32(i) || int(right[i]) >= n {
			return out, fmt.Errorf("node %d's children %d and %d are not nodes after it", i, left[i], right[i])
		}
		if feature[i] < 0 || int(feature[i]) >= nFeatures {
			return out, fmt.Errorf("node %d splits on feature %d of %d", i, feature[i], nFeatures)
		}
	}
	out.left, out.right, out.feature, out.cond = left, right, feature, cond
	return out, nil
}

// obj returns v as an object (nil if it is not one).
func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// list returns v as a list (nil if it is not one).
func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// toInt reads an integer: a JSON number, a UBJSON integer, or a string
// (XGBoost writes parameters as strings).
func toInt(v any) (int, error) {
	switch x := v.(type) {
	case int64:
		if x < math.MinInt32 || x > math.MaxInt32 {
			return 0, fmt.Errorf("%d is out of range", x)
		}
		return int(x), nil
	case json.Number:
		return strconv.Atoi(string(x))
	case string:
		return strconv.Atoi(x)
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("%v (%T) is not an integer", v, v)
}

func intParam(p map[string]any, key string) (int, error) { return toInt(p[key]) }

// toFloat32 reads a float32: a UBJSON float32, or a JSON number parsed
// straight to float32, as XGBoost writes its values.
func toFloat32(v any) (float32, error) {
	switch x := v.(type) {
	case float32:
		return x, nil
	case float64:
		return float32(x), nil
	case int64:
		return float32(x), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 32)
		return float32(f), err
	}
	return 0, fmt.Errorf("%v (%T) is not a number", v, v)
}

func int32s(v any) ([]int32, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("not a list")
	}
	out := make([]int32, len(l))
	for i, x := range l {
		n, err := toInt(x)
		if err != nil {
			return nil, fmt.Errorf("value %d: %w", i, err)
		}
		out[i] = int32(n)
	}
	return out, nil
}

func float32s(v any) ([]float32, error) {
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("not a list")
	}
	out := make([]float32, len(l))
	for i, x := range l {
		f, err := toFloat32(x)
		if err != nil {
			return nil, fmt.Errorf("value %d: %w", i, err)
		}
		out[i] = f
	}
	return out, nil
}
