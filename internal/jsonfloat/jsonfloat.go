// Package jsonfloat writes float64s as MLflow's JSON does: numbers, and
// the strings "NaN", "Infinity" and "-Infinity" for what JSON's numbers
// cannot carry (encoding/json refuses them).
//
// Package jsonfloat imports no mlite package.
package jsonfloat

import "strconv"

// Float is a float64 that always marshals, NaN and ±Inf as strings.
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) { return Append(nil, float64(f)), nil }

// Append appends f to b as JSON: the shortest number that reads back as f,
// or a quoted "NaN", "Infinity" or "-Infinity".
func Append(b []byte, f float64) []byte {
	switch {
	case f-f == 0: // finite
		return strconv.AppendFloat(b, f, 'g', -1, 64)
	case f != f:
		return append(b, `"NaN"`...)
	case f > 0:
		return append(b, `"Infinity"`...)
	}
	return append(b, `"-Infinity"`...)
}
