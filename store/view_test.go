package store

import (
	"context"
	"math"
	"reflect"
	"testing"
)

func TestRunViewAgreesWithDecode(t *testing.T) {
	s := openTest(t, nil)
	ctx := context.Background()
	want := seedRun()
	copy(want.ID[:], randomID())
	want.ExperimentID = 0
	want.Metrics = map[string]*Series{}
	if err := s.Update(ctx, func(tx *Tx) error { return tx.CreateRun(want) }); err != nil {
		t.Fatal(err)
	}
	s.LogPoint(want.ID, "b", Point{Step: 1, Time: 2, Value: 3})
	s.LogPoint(want.ID, "a", Point{Step: 7, Time: 8, Value: math.NaN()})
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mustView(t, s, func(tx *Tx) error {
		full, err := tx.Run(want.ID)
		if err != nil {
			return err
		}
		n := 0
		return tx.ScanRuns(func(v *RunView) error {
			if v.ID() != want.ID {
				return nil
			}
			n++
			if v.Name() != full.Name || v.User() != full.User || v.Status() != full.Status || v.StartTime() != full.StartTime ||
				v.EndTime() != full.EndTime || v.ArtifactURI() != full.ArtifactURI || v.ExperimentID() != full.ExperimentID {
				t.Errorf("fixed fields differ: view %q %q, record %+v", v.Name(), v.User(), full)
			}
			for k, val := range full.Params {
				if got, ok := v.Param(k); !ok || got != val {
					t.Errorf("param %s: got %q %v, want %q", k, got, ok, val)
				}
			}
			if _, ok := v.Param("zzz"); ok {
				t.Errorf("missing param found")
			}
			for k, val := range full.Tags {
				if got, ok := v.Tag(k); !ok || got != val {
					t.Errorf("tag %s: got %q %v, want %q", k, got, ok, val)
				}
			}
			for k, s := range full.Metrics {
				got, ok := v.Metric(k)
				if !ok || !sameSeries(&got, s) {
					t.Errorf("metric %s: got %+v %v, want %+v", k, got, ok, *s)
				}
			}
			var keys []string
			v.EachMetric(func(k string, _ Series) { keys = append(keys, k) })
			if !reflect.DeepEqual(keys, []string{"a", "b"}) {
				t.Errorf("metric keys: %v", keys)
			}
			v.EachInput(func(in InputView) {
				if c, ok := in.Tag("k"); in.Name != "d" || !ok || c != "v" {
					t.Errorf("input: %+v tag %q", in, c)
				}
			})
			if n != 1 {
				t.Errorf("run seen %d times", n)
			}
			return nil
		})
	})
}
