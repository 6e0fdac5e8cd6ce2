package jsonfloat

import (
	"encoding/json"
	"math"
	"testing"
)

func TestFloat(t *testing.T) {
	for _, tt := range []struct {
		in   float64
		want string
	}{
		{0.1, "0.1"}, {-2, "-2"}, {1e21, "1e+21"}, {math.Copysign(0, -1), "-0"},
		{math.NaN(), `"NaN"`}, {math.Inf(1), `"Infinity"`}, {math.Inf(-1), `"-Infinity"`},
	} {
		b, err := json.Marshal(Float(tt.in))
		if err != nil || string(b) != tt.want {
			t.Errorf("Float(%v): got %s, %v; want %s", tt.in, b, err, tt.want)
		}
	}
}
