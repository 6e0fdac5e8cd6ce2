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
	r := &nodeReader{t: t, n: -1}
	left := nodeValues(r, "left_children", toInt32)
	n := len(left)
	if r.err == nil && n == 0 {
		return out, errors.New("no nodes")
	}
	r.n = n
	right := nodeValues(r, "right_children", toInt32)
	feature := nodeValues(r, "split_indices", toInt32)
	cond := nodeValues(r, "split_conditions", toFloat32)
	dl := nodeValues(r, "default_left", toInt32)
	if r.err != nil {
		return out, r.err
	}
	if st := nodeValues(&nodeReader{t: t, n: -1}, "split_type", toInt32); st != nil {
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

// toInt32 reads an integer as toInt does, as an int32.
func toInt32(v any) (int32, error) {
	n, err := toInt(v)
	return int32(n), err
}

// nodeReader reads a tree's lists of one value per node, keeping the first
// error.
type nodeReader struct {
	t   map[string]any
	n   int // values per list; any number while n < 0
	err error
}

// nodeValues reads the list r.t[key], each value with conv. After an error
// (this one's or an earlier one's) it returns nil and r.err holds the
// first.
func nodeValues[T any](r *nodeReader, key string, conv func(any) (T, error)) []T {
	if r.err != nil {
		return nil
	}
	l, ok := r.t[key].([]any)
	switch {
	case !ok:
		r.err = fmt.Errorf("%s: not a list", key)
		return nil
	case r.n >= 0 && len(l) != r.n:
		r.err = fmt.Errorf("%s: %d values for %d nodes", key, len(l), r.n)
		return nil
	}
	out := make([]T, len(l))
	for i, x := range l {
		v, err := conv(x)
		if err != nil {
			r.err = fmt.Errorf("%s: value %d: %w", key, i, err)
			return nil
		}
		out[i] = v
	}
	return out
}
