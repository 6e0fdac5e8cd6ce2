package mlmodel

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Limits on what Decode reads.
const (
	// MaxMLmodelSize caps the size of an MLmodel file Decode reads.
	MaxMLmodelSize = 16 << 20
	// maxYAMLDepth caps nesting in an MLmodel file.
	maxYAMLDepth = 64
	// maxYAMLNodes caps the nodes Decode visits, aliases included, so that
	// a small file of nested aliases cannot make it work forever.
	maxYAMLNodes = 1 << 20
)

// yreader turns yaml.v3 nodes into plain Go values the way PyYAML's
// SafeLoader would read them: plain scalars resolved by PyYAML's YAML 1.1
// rules (so "yes" is true and "1e5" is a string), quoted scalars as
// strings.
type yreader struct {
	budget int
}

func nodePos(n *yaml.Node) string { return fmt.Sprintf("line %d", n.Line) }

func (r *yreader) value(n *yaml.Node, depth int) (any, error) {
	if depth > maxYAMLDepth {
		return nil, invalidf("%s: nested deeper than %d levels", nodePos(n), maxYAMLDepth)
	}
	r.budget--
	if r.budget < 0 {
		return nil, invalidf("more than %d YAML nodes (aliases included)", maxYAMLNodes)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return r.value(n.Content[0], depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, invalidf("%s: unknown alias", nodePos(n))
		}
		return r.value(n.Alias, depth+1)
	case yaml.ScalarNode:
		return scalarValue(n)
	case yaml.SequenceNode:
		out := make([]any, 0, min(len(n.Content), 1024))
		for _, c := range n.Content {
			v, err := r.value(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, min(len(n.Content)/2, 1024))
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, err := keyString(n.Content[i])
			if err != nil {
				return nil, err
			}
			if _, dup := out[k]; dup {
				return nil, invalidf("%s: key %q appears twice", nodePos(n.Content[i]), k)
			}
			v, err := r.value(n.Content[i+1], depth+1)
			if err != nil {
				return nil, fmt.Errorf("mlmodel: %s: %w", strconv.Quote(k), err)
			}
			out[k] = v
		}
		return out, nil
	}
	return nil, invalidf("%s: unexpected YAML node", nodePos(n))
}

// keyString returns a mapping key that PyYAML would read as a string.
func keyString(n *yaml.Node) (string, error) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		return "", invalidf("%s: mapping key is not a string", nodePos(n))
	}
	if n.Style&yaml.TaggedStyle == 0 && isPlain(n) && resolve(n.Value) == "merge" {
		return "", invalidf("%s: merge keys (<<) are not supported", nodePos(n))
	}
	v, err := scalarValue(n)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", invalidf("%s: mapping key %q is not a string", nodePos(n), n.Value)
	}
	return s, nil
}

func isPlain(n *yaml.Node) bool {
	return n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0
}

func scalarValue(n *yaml.Node) (any, error) {
	tag := "str"
	switch {
	case n.Style&yaml.TaggedStyle != 0:
		switch n.Tag {
		case "!!str", "tag:yaml.org,2002:str", "!":
			tag = "str"
		case "!!int", "tag:yaml.org,2002:int":
			tag = "int"
		case "!!float", "tag:yaml.org,2002:float":
			tag = "float"
		case "!!bool", "tag:yaml.org,2002:bool":
			tag = "bool"
		case "!!null", "tag:yaml.org,2002:null":
			tag = "null"
		default:
			return nil, invalidf("%s: unsupported tag %s", nodePos(n), n.Tag)
		}
	case isPlain(n):
		tag = resolve(n.Value)
	}
	v, ok := construct(tag, n.Value)
	if !ok {
		return nil, invalidf("%s: cannot read %q as %s", nodePos(n), n.Value, tag)
	}
	return v, nil
}

// construct builds the value of a scalar as PyYAML's SafeConstructor does.
// Timestamps stay strings.
func construct(tag, s string) (any, bool) {
	switch tag {
	case "str", "timestamp":
		return s, true
	case "null":
		return nil, true
	case "bool":
		switch strings.ToLower(s) {
		case "yes", "true", "on":
			return true, true
		case "no", "false", "off":
			return false, true
		}
		return nil, false
	case "int":
		return constructInt(s)
	case "float":
		return constructFloat(s)
	}
	return nil, false
}

func constructInt(s string) (any, bool) {
	s = strings.ReplaceAll(s, "_", "")
	if s == "" {
		return nil, false
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return nil, false
	}
	z := new(big.Int)
	var ok bool
	switch {
	case s == "0":
		ok = true
	case strings.HasPrefix(s, "0b"):
		_, ok = z.SetString(s[2:], 2)
	case strings.HasPrefix(s, "0x"):
		_, ok = z.SetString(s[2:], 16)
	case s[0] == '0':
		_, ok = z.SetString(s, 8)
	case strings.Contains(s, ":"):
		ok = true
		base := big.NewInt(1)
		parts := strings.Split(s, ":")
		for i := len(parts) - 1; i >= 0; i-- {
			d, err := strconv.ParseInt(parts[i], 10, 64)
			if err != nil || len(parts[i]) > 18 {
				return nil, false
			}
			z.Add(z, new(big.Int).Mul(big.NewInt(d), base))
			base.Mul(base, big.NewInt(60))
		}
	default:
		if len(s) > 4300 {
			return nil, false
		}
		_, ok = z.SetString(s, 10)
	}
	if !ok {
		return nil, false
	}
	if neg {
		z.Neg(z)
	}
	if z.IsInt64() {
		return z.Int64(), true
	}
	return z, true
}

func constructFloat(s string) (any, bool) {
	s = strings.ToLower(strings.ReplaceAll(s, "_", ""))
	sign := 1.0
	if s != "" && (s[0] == '-' || s[0] == '+') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	switch {
	case s == ".inf":
		return sign * math.Inf(1), true
	case s == ".nan":
		return math.NaN(), true
	case strings.Contains(s, ":"):
		parts := strings.Split(s, ":")
		v, base := 0.0, 1.0
		for i := len(parts) - 1; i >= 0; i-- {
			d, err := strconv.ParseFloat(parts[i], 64)
			if err != nil {
				return nil, false
			}
			v += d * base
			base *= 60
		}
		return sign * v, true
	}
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && f == 0 {
		return nil, false
	}
	return sign * f, true
}
