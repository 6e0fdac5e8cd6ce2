package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

func seedRun() *Run {
	r := &Run{ExperimentID: 3, Name: "n", Status: Finished, StartTime: 5, EndTime: 9, User: "u", ArtifactURI: "a",
		Params: map[string]string{"p": "1"}, Tags: map[string]string{"t": "2"},
		Metrics: map[string]*Series{"m": {Count: 2, Chunks: 1, Latest: Point{Step: 1, Time: 2, Value: 3}, Min: 1, Max: 3, MaxStep: 1}},
		Inputs:  []Input{{Name: "d", Digest: "x", Tags: map[string]string{"k": "v"}}}}
	r.Metrics["nan"] = &Series{Index: 1, Count: 1, NaNs: 1, Chunks: 1, Latest: Point{Value: math.NaN()}, Min: math.NaN(), Max: math.NaN()}
	return r
}

// FuzzDecodeRun: any bytes either decode or fail with ErrCorrupt; what
// decodes re-encodes to bytes that decode and encode again identically.
func FuzzDecodeRun(f *testing.F) {
	f.Add(encodeRun(seedRun()))
	f.Add(encodeRun(&Run{Status: Running}))
	f.Add(runRecordToV1(encodeRun(seedRun())))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRun(b)
		var v RunView
		verr := v.reset(b)
		// The view checks the fixed fields and the framing, the decoder
		// everything: what the decoder accepts, the view must accept.
		if err == nil && verr != nil {
			t.Fatalf("DecodeRun accepts the record, RunView says %v", verr)
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		// The view must read what the decoder read.
		for k, val := range r.Params {
			if got, ok := v.Param(k); !ok || got != val {
				t.Fatalf("view param %q: got %q %v, want %q", k, got, ok, val)
			}
		}
		v.EachMetric(func(string, Series) {})
		v.EachInput(func(in InputView) { in.Tag("x") })
		if again := encodeRun(r); !bytes.Equal(again, b) {
			// Only map order may differ, and encodeRun sorts maps; anything
			// else decoded loosely.
			r2, err := DecodeRun(again)
			if err != nil || !bytes.Equal(encodeRun(r2), again) {
				t.Fatalf("re-encoding is not stable: %v", err)
			}
		}
	})
}

// FuzzDecodeExperiment: as FuzzDecodeRun, for experiment records.
func FuzzDecodeExperiment(f *testing.F) {
	f.Add(encodeExperiment(&Experiment{ID: 4, Name: "e", ArtifactLocation: "l", Tags: map[string]string{"a": "b"}}))
	f.Add([]byte{1, 0, 0})
	fuzzRoundTrip(f, DecodeExperiment, encodeExperiment, nil)
}

// FuzzDecodeDataset: as FuzzDecodeRun, for dataset records; varints may be
// over-long in the input, so the re-encoding is minimal but must decode to
// the same dataset.
func FuzzDecodeDataset(f *testing.F) {
	f.Add(encodeDataset(&Dataset{Name: "n", Digest: "d", SourceType: "local", Source: "s", Schema: "{}", Profile: "p"}))
	fuzzRoundTrip(f, DecodeDataset, encodeDataset, func(a, b *Dataset) bool { return *a == *b })
}

// FuzzDecodeArtifact: as FuzzDecodeDataset, for artifact values.
func FuzzDecodeArtifact(f *testing.F) {
	f.Add(encodeArtifact(&Artifact{Path: "p", Digest: [32]byte{1, 2}, Size: 1 << 40, Mode: 0o755}))
	decode := func(b []byte) (*Artifact, error) {
		a, err := DecodeArtifact("p", b)
		return &a, err
	}
	fuzzRoundTrip(f, decode, encodeArtifact, func(a, b *Artifact) bool { return *a == *b })
}

// fuzzRoundTrip is the body of a record decoder's fuzzer: any bytes either
// decode or fail with an error wrapping ErrCorrupt, and what decodes
// re-encodes to bytes that decode and encode again identically. With equal
// non-nil, the re-encoded record must also decode to an equal value.
func fuzzRoundTrip[T any](f *testing.F, decode func([]byte) (T, error), encode func(T) []byte, equal func(a, b T) bool) {
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := decode(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		b2 := encode(x)
		x2, err := decode(b2)
		if err != nil {
			t.Fatalf("re-encoded record %x does not decode: %v", b2, err)
		}
		if equal != nil && !equal(x2, x) {
			t.Fatalf("re-encoded record decodes to %+v, want %+v", x2, x)
		}
		if b3 := encode(x2); !bytes.Equal(b2, b3) {
			t.Fatalf("encode(decode(encode)) = %x, want %x", b3, b2)
		}
	})
}

// runRecordToV1 rewrites a version 2 run record in the version 1 layout:
// no offset table, each section framed by its u32 length.
func runRecordToV1(b []byte) []byte {
	var at [runSections + 1]int
	for i := range runSections {
		at[i] = int(binary.BigEndian.Uint32(b[1+4*i:]))
	}
	at[runSections] = len(b)
	out := append([]byte{runRecordV1}, b[1+4*runSections:at[0]]...)
	for i := range runSections {
		out = binary.BigEndian.AppendUint32(out, uint32(at[i+1]-at[i]))
		out = append(out, b[at[i]:at[i+1]]...)
	}
	return out
}

func TestDecodeRunV1(t *testing.T) {
	want := seedRun()
	got, err := DecodeRun(runRecordToV1(encodeRun(want)))
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != want.Name || got.Params["p"] != "1" || got.Tags["t"] != "2" || got.Metrics["m"].Latest.Value != 3 ||
		len(got.Inputs) != 1 || got.Inputs[0].Tags["k"] != "v" {
		t.Fatalf("version 1 record decoded as %+v", got)
	}
	if !bytes.Equal(encodeRun(got)[:1], []byte{runRecordV2}) {
		t.Fatal("a decoded version 1 record is not written back as version 2")
	}
}
