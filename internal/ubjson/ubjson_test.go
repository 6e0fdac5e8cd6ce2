package ubjson

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
)

func TestDecode(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		want any
	}{
		{"null", "Z", nil},
		{"no-ops around", "NNTN", true},
		{"false", "F", false},
		{"int8", "i\xff", int64(-1)},
		{"uint8", "U\xff", int64(255)},
		{"int16", "I\x01\x00", int64(256)},
		{"int32", "l\xff\xff\xff\xfe", int64(-2)},
		{"int64", "L\x00\x00\x00\x01\x00\x00\x00\x00", int64(1) << 32},
		{"float32", "d\x3f\x00\x00\x00", float32(0.5)},
		{"float64", "D\x3f\xf8\x00\x00\x00\x00\x00\x00", 1.5},
		{"char", "Ca", "a"},
		{"string", "SU\x03hé", "hé"},
		{"high precision", "HU\x0512.50", json.Number("12.50")},
		{"array", "[i\x01SU\x01x]", []any{int64(1), "x"}},
		{"counted array", "[#U\x02TF", []any{true, false}},
		{"typed array", "[$d#U\x02\x3f\x80\x00\x00\x40\x00\x00\x00", []any{float32(1), float32(2)}},
		{"typed int array", "[$l#L\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x07", []any{int64(7)}},
		{"object", "{U\x01aZU\x01b[]}", map[string]any{"a": nil, "b": []any{}}},
		{"counted object", "{#U\x01U\x01kU\x09", map[string]any{"k": int64(9)}},
		{"typed object", "{$U#U\x02U\x01a\x01U\x01b\x02", map[string]any{"a": int64(1), "b": int64(2)}},
		{"nested", "{U\x01x{U\x01y[[]]}}", map[string]any{"x": map[string]any{"y": []any{[]any{}}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	deep := ""
	for range MaxDepth + 1 {
		deep += "["
	}
	for _, tt := range []struct{ name, in string }{
		{"empty", ""},
		{"only no-ops", "NN"},
		{"unknown marker", "X"},
		{"truncated int", "I\x01"},
		{"truncated string", "SU\x05ab"},
		{"negative length", "Si\xff"},
		{"length not an integer", "SdAAAA"},
		{"bad utf-8", "SU\x01\xff"},
		{"bad high precision", "HU\x03abc"},
		{"unterminated array", "[i\x01"},
		{"unterminated object", "{U\x01a"},
		{"object key without length", "{Sa"},
		{"count beyond the data", "[#L\x00\x00\x00\x00\x7f\xff\xff\xff"},
		{"typed count beyond the data", "[$d#U\x03\x00\x00\x00\x00"},
		{"type without count", "[$d]"},
		{"bad container type", "[$##U\x01"},
		{"trailing data", "TT"},
		{"too deep", deep},
		{"non-ASCII char", "C\xc3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.in))
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("got %#v, %v; want ErrSyntax", got, err)
			}
		})
	}
}

// TestFloat32Exact: a float32 comes back with its bits, NaN included.
func TestFloat32Exact(t *testing.T) {
	for _, bits := range []uint32{0x7fc00000, 0x00000001, 0x7f7fffff, 0xbf800000} {
		in := []byte{'d', byte(bits >> 24), byte(bits >> 16), byte(bits >> 8), byte(bits)}
		got, err := Decode(in)
		if err != nil {
			t.Fatal(err)
		}
		if f, ok := got.(float32); !ok || math.Float32bits(f) != bits {
			t.Errorf("%#08x: got %#v", bits, got)
		}
	}
}

// FuzzDecode: any input decodes or fails with ErrSyntax; it never panics
// or hangs.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"Z", "[$d#U\x02\x3f\x80\x00\x00\x40\x00\x00\x00", "{U\x01a[i\x01SU\x01x]}", "{#U\x01U\x01kU\x09", "HU\x0512.50", "[[[]]]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := Decode(data); err != nil && !errors.Is(err, ErrSyntax) {
			t.Fatalf("error %v is not ErrSyntax", err)
		}
	})
}
