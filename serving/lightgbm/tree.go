package lightgbm

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Bits of a node's decision_type, as LightGBM writes them.
const (
	categoricalMask = 1
	defaultLeftMask = 2
	missingShift    = 2 // (decision_type >> 2) & 3: 0 none, 1 zero, 2 NaN
	missingZero     = 1
	missingNaN      = 2
)

// zeroThreshold is LightGBM's kZeroThreshold, a float32 constant: values
// within it of zero are zero for a split whose missing type is zero.
var zeroThreshold = float64(float32(1e-35))

// node is one split of a tree, its fields side by side so that a walk
// reads one cache line per node. A child index < 0 is the leaf ^index.
type node struct {
	threshold   float64
	feature     int32
	left, right int32
	decision    uint8
}

// tree is one LightGBM decision tree.
type tree struct {
	nodes        []node
	leaf         []float64
	catBoundary  []int
	catThreshold []uint32
}

// predict returns the leaf value row falls into.
func (t *tree) predict(row []float64) float64 {
	if len(t.nodes) == 0 {
		return t.leaf[0]
	}
	i := int32(0)
	for i >= 0 {
		n := &t.nodes[i]
		fval := row[n.feature]
		dt := n.decision
		if dt == 0 || dt == defaultLeftMask { // numerical, no missing type: the common case
			if fval <= n.threshold {
				i = n.left
			} else {
				i = n.right
			}
			if fval == fval {
				continue
			}
			// NaN without a missing type counts as 0.
			fval = 0
		}
		if dt&categoricalMask != 0 {
			i = t.categorical(fval, n)
			continue
		}
		missing := (dt >> missingShift) & 3
		if math.IsNaN(fval) && missing != missingNaN {
			fval = 0
		}
		if missing == missingZero && fval >= -zeroThreshold && fval <= zeroThreshold || missing == missingNaN && math.IsNaN(fval) {
			if dt&defaultLeftMask != 0 {
				i = n.left
			} else {
				i = n.right
			}
			continue
		}
		if fval <= n.threshold {
			i = n.left
		} else {
			i = n.right
		}
	}
	return t.leaf[^i]
}

// categorical is LightGBM's categorical decision: left when the category
// (the integer part of fval) is in the node's bitset; NaN and negative
// values go right.
func (t *tree) categorical(fval float64, n *node) int32 {
	if math.IsNaN(fval) || fval < 0 || fval >= 1<<31 {
		return n.right
	}
	cat := int(fval)
	c := int(n.threshold)
	lo, hi := t.catBoundary[c], t.catBoundary[c+1]
	if w := cat / 32; w < hi-lo && t.catThreshold[lo+w]>>(cat%32)&1 != 0 {
		return n.left
	}
	return n.right
}

// parseTrees reads the Tree=N sections of a text model and checks each
// tree's arrays against one another and nFeatures, so that predict never
// indexes out of range.
func parseTrees(raw []byte, nFeatures int) ([]tree, error) {
	var trees []tree
	var cur map[string]string
	var name string
	flush := func() error {
		if cur == nil {
			return nil
		}
		t, err := buildTree(cur, nFeatures)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrModel, name, err)
		}
		trees = append(trees, t)
		cur = nil
		return nil
	}
	for line := range bytes.Lines(raw) {
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case bytes.HasPrefix(line, []byte("Tree=")):
			if err := flush(); err != nil {
				return nil, err
			}
			cur, name = map[string]string{}, string(line)
		case bytes.HasPrefix(line, []byte("end of trees")):
			if err := flush(); err != nil {
				return nil, err
			}
			return trees, nil
		case cur != nil:
			if k, v, ok := bytes.Cut(line, []byte("=")); ok {
				cur[string(k)] = string(v)
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return trees, nil
}

// buildTree makes a tree of one section's key=value lines.
func buildTree(kv map[string]string, nFeatures int) (tree, error) {
	var t tree
	leaves, err := strconv.Atoi(kv["num_leaves"])
	if err != nil || leaves < 1 || leaves > 1<<24 {
		return t, fmt.Errorf("num_leaves %q", kv["num_leaves"])
	}
	if kv["is_linear"] == "1" {
		return t, fmt.Errorf("a linear tree (linear_tree=true) is not served in Go")
	}
	if t.leaf, err = floats(kv, "leaf_value", leaves); err != nil {
		return t, err
	}
	if leaves == 1 {
		return t, nil
	}
	n := leaves - 1 // internal nodes
	threshold, err := floats(kv, "threshold", n)
	if err != nil {
		return t, err
	}
	var feature, decision, left, right []int
	for _, f := range []struct {
		key string
		dst *[]int
		lo  int
		hi  int
	}{
		{"split_feature", &feature, 0, nFeatures - 1},
		{"decision_type", &decision, 0, 255},
		{"left_child", &left, -leaves, n - 1},
		{"right_child", &right, -leaves, n - 1},
	} {
		if *f.dst, err = ints(kv, f.key, n, f.lo, f.hi); err != nil {
			return t, err
		}
	}
	t.nodes = make([]node, n)
	for i := range n {
		// A child must be deeper than its parent, so that a walk ends.
		if left[i] >= 0 && left[i] <= i || right[i] >= 0 && right[i] <= i {
			return t, fmt.Errorf("node %d's children %d and %d do not come after it", i, left[i], right[i])
		}
		t.nodes[i] = node{threshold: threshold[i], feature: int32(feature[i]), left: int32(left[i]), right: int32(right[i]), decision: uint8(decision[i])}
	}
	cats, err := strconv.Atoi(kv["num_cat"])
	if err != nil && kv["num_cat"] != "" || cats < 0 || cats > n {
		return t, fmt.Errorf("num_cat %q", kv["num_cat"])
	}
	if cats > 0 {
		if t.catBoundary, err = ints(kv, "cat_boundaries", cats+1, 0, 1<<30); err != nil {
			return t, err
		}
		words := strings.Fields(kv["cat_threshold"])
		if len(words) != t.catBoundary[cats] {
			return t, fmt.Errorf("cat_threshold has %d words, cat_boundaries ends at %d", len(words), t.catBoundary[cats])
		}
		for i := 1; i <= cats; i++ {
			if t.catBoundary[i] < t.catBoundary[i-1] {
				return t, fmt.Errorf("cat_boundaries %v do not increase", t.catBoundary)
			}
		}
		t.catThreshold = make([]uint32, len(words))
		for i, w := range words {
			v, err := strconv.ParseUint(w, 10, 32)
			if err != nil {
				return t, fmt.Errorf("cat_threshold %q: %w", w, err)
			}
			t.catThreshold[i] = uint32(v)
		}
	}
	for i := range t.nodes {
		if t.nodes[i].decision&categoricalMask == 0 {
			continue
		}
		if c := t.nodes[i].threshold; !(c >= 0 && c < float64(cats)) || c != math.Trunc(c) {
			return t, fmt.Errorf("node %d: categorical split %v of %d", i, c, cats)
		}
	}
	return t, nil
}

// floats reads the n numbers of key.
func floats(kv map[string]string, key string, n int) ([]float64, error) {
	f := strings.Fields(kv[key])
	if len(f) != n {
		return nil, fmt.Errorf("%s has %d values, want %d", key, len(f), n)
	}
	out := make([]float64, n)
	for i, s := range f {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%s value %d: %w", key, i, err)
		}
		out[i] = v
	}
	return out, nil
}

// ints reads the n integers of key, each in [lo, hi].
func ints(kv map[string]string, key string, n, lo, hi int) ([]int, error) {
	f := strings.Fields(kv[key])
	if len(f) != n {
		return nil, fmt.Errorf("%s has %d values, want %d", key, len(f), n)
	}
	out := make([]int, n)
	for i, s := range f {
		v, err := strconv.Atoi(s)
		if err != nil || v < lo || v > hi {
			return nil, fmt.Errorf("%s value %d: %q is not an integer from %d to %d", key, i, s, lo, hi)
		}
		out[i] = v
	}
	return out, nil
}
