package mlflowapi

import (
	"encoding/json"
	"math"
	"testing"
)

// pyRepr holds Python 3's repr of each value (json.dumps writes floats
// with repr), produced by CPython for this table.
var pyRepr = []struct {
	f    float64
	want string
}{
	{math.Float64frombits(0x0000000000000000), "0.0"},
	{math.Float64frombits(0x8000000000000000), "-0.0"},
	{math.Float64frombits(0x3ff0000000000000), "1.0"},
	{math.Float64frombits(0xbff0000000000000), "-1.0"},
	{math.Float64frombits(0x3fe0000000000000), "0.5"},
	{math.Float64frombits(0x3fb999999999999a), "0.1"},
	{math.Float64frombits(0x3fd3333333333334), "0.30000000000000004"},
	{math.Float64frombits(0x3f1a36e2eb1c432d), "0.0001"},
	{math.Float64frombits(0x3ee4f8b588e368f1), "1e-05"},
	{math.Float64frombits(0x3eef75104d551d69), "1.5e-05"},
	{math.Float64frombits(0x419d6f3454000000), "123456789.0"},
	{math.Float64frombits(0x430c6bf526340000), "1000000000000000.0"},
	{math.Float64frombits(0x4341c37937e08000), "1e+16"},
	{math.Float64frombits(0x4341c37937e07fff), "9999999999999998.0"},
	{math.Float64frombits(0x437b69b4ba630f34), "1.2345678901234566e+17"},
	{math.Float64frombits(0x0000000000000001), "5e-324"},
	{math.Float64frombits(0x7fefffffffffffff), "1.7976931348623157e+308"},
	{math.Float64frombits(0x3fec28f5c28f5c29), "0.88"},
	{math.Float64frombits(0x3fd3d70a3d70a3d7), "0.31"},
	{math.Float64frombits(0x3fd5555555555555), "0.3333333333333333"},
	{math.Float64frombits(0x4340000000000000), "9007199254740992.0"},
	{math.Float64frombits(0x4059000000000000), "100.0"},
	{math.Float64frombits(0x4029000000000000), "12.5"},
	{math.Float64frombits(0x444b1ae4d6e2ef50), "1e+21"},
	{math.Float64frombits(0x4480f0cf064dd592), "1e+22"},
	{math.Float64frombits(0x3f201f31f46ed246), "0.000123"},
	{math.Float64frombits(0xbe90c6f7a0b5ed8d), "-2.5e-07"},
	{math.Float64frombits(0x400921f9f01b866e), "3.14159"},
	{math.Float64frombits(0xf2a74de452e6b438), "-1.989032661366619e+244"},
	{math.Float64frombits(0x6513270e269e0d37), "7.761117632285041e+178"},
	{math.Float64frombits(0x0c5c7fd0a6a3a450), "3.980498358697587e-249"},
	{math.Float64frombits(0xd23f0824128b2f33), "-1.5432835417340557e+88"},
	{math.Float64frombits(0x1818e811892f902b), "1.3647584518757569e-192"},
	{math.Float64frombits(0x9531985d5d9dc9f8), "-1.3701135617873088e-206"},
	{math.Float64frombits(0xe8e25d940ed90475), "-1.7160537630466207e+197"},
	{math.Float64frombits(0x36f675cc81e74ef5), "6.294675241195386e-44"},
	{math.Float64frombits(0x1600a35a099950d8), "1.0613447212142254e-202"},
	{math.Float64frombits(0x6b0d549b6f03675a), "4.708325160387546e+207"},
	{math.Float64frombits(0x3d9c172411e20b8f), "6.387016158513563e-12"},
	{math.Float64frombits(0x8d116ece1738f7d9), "-9.973130378568733e-246"},
	{math.Float64frombits(0x0f21ddb66cad4a26), "8.779753225680271e-236"},
	{math.Float64frombits(0x90c192cfd3ac94af), "-5.795503248498993e-228"},
	{math.Float64frombits(0xf28c105d1fb17c23), "-5.988180159386011e+243"},
	{math.Float64frombits(0xa170b33839263059), "-1.306052388527796e-147"},
	{math.Float64frombits(0x953f48f1a09f76b5), "-2.436117699484841e-206"},
	{math.Float64frombits(0x0fd630f1f29d0da9), "2.233386999150174e-232"},
	{math.Float64frombits(0x95e60af593bd04cf), "-3.51527970626667e-203"},
	{math.Float64frombits(0x0cb1e29c658cda14), "1.5987381841032883e-247"},
	{math.Float64frombits(0x412d117c6c208cea), "952510.2111858402"},
	{math.Float64frombits(0xc12baca5470c238f), "-906834.6387644875"},
	{math.Float64frombits(0x4125e111d610db68), "716936.9180973591"},
	{math.Float64frombits(0xc119aeb5b597bcf6), "-420781.4273366475"},
	{math.Float64frombits(0xc125b683aaa45910), "-711489.833285125"},
	{math.Float64frombits(0xc12753ff0c352f28), "-764415.5238432633"},
	{math.Float64frombits(0xc11760f1683d3eba), "-383036.35179613123"},
	{math.Float64frombits(0x41234b796fbd2958), "632252.7182400627"},
	{math.Float64frombits(0xc1237ca67af53826), "-638547.240152125"},
	{math.Float64frombits(0x4103ec029e5c88c0), "163200.32732493244"},
}

func TestAppendPyFloat(t *testing.T) {
	for _, tc := range pyRepr {
		if got := string(appendPyFloat(nil, tc.f)); got != tc.want {
			t.Errorf("appendPyFloat(%v): got %s, want %s", tc.f, got, tc.want)
		}
	}
}

func TestAppendDoubleNonFinite(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{math.NaN(), `"NaN"`},
		{math.Inf(1), `"Infinity"`},
		{math.Inf(-1), `"-Infinity"`},
		{2, `2.0`},
	} {
		if got := string(appendDouble(nil, tc.f)); got != tc.want {
			t.Errorf("appendDouble(%v): got %s, want %s", tc.f, got, tc.want)
		}
	}
}

func TestAppendString(t *testing.T) {
	for _, in := range []string{
		"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr", "\x00\x01\x1f\x7f",
		"héllo wörld ✓", "\u2028\u2029", "bad \xff utf8 \xc3", "<html>&amp;</html>",
	} {
		b := appendString(nil, in)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("appendString(%q) = %s: not JSON: %v", in, b, err)
			continue
		}
		want := in
		var w2 string
		wb, _ := json.Marshal(in) // encoding/json also turns bad UTF-8 into U+FFFD
		json.Unmarshal(wb, &w2)
		want = w2
		if got != want {
			t.Errorf("appendString(%q) decodes to %q, want %q", in, got, want)
		}
	}
}
