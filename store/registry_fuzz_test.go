package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

func seedModel() *RegisteredModel {
	return &RegisteredModel{Name: "credit", CreationTime: 1, LastUpdatedTime: 2, Description: "d",
		Tags: map[string]string{"t": "v"}, Aliases: map[string]int64{"champion": 2}, NextVersion: 3,
		Gates: []Gate{
			{Target: "@champion", Checks: []string{"schema"}},
			{Target: "Production", RequiredTags: map[string]string{"validation_status": "passed"}, MetricFilter: "metrics.auc >= 0.9"},
		}}
}

func seedEvent() *AuditEvent {
	return &AuditEvent{Seq: 7, Time: 1700000000000, User: "ana", Action: "transition_stage", Model: "credit",
		Version: 2, From: "Staging", To: "Production", Gates: []GateResult{
			{Requirement: "tag validation_status=passed", Passed: true},
			{Requirement: "metrics.auc >= 0.9", Detail: "source run: metrics.auc = 0.8"},
		}}
}

// v1RegisteredModel is a model record as format v1 wrote it, before gates.
var v1RegisteredModel = []byte{1, 1, 'm', 2, 4, 0, 2, 0, 0}

func TestDecodeRegisteredModelV1(t *testing.T) {
	m, err := DecodeRegisteredModel(v1RegisteredModel)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "m" || m.CreationTime != 1 || m.LastUpdatedTime != 2 || m.NextVersion != 1 || m.Gates != nil {
		t.Fatalf("got %+v, want model m created 1, updated 2, next version 1, no gates", m)
	}
}

func TestRegistryRecordRoundTrip(t *testing.T) {
	m := seedModel()
	got, err := DecodeRegisteredModel(encodeRegisteredModel(m))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("got %+v, want %+v", got, m)
	}
	ev := seedEvent()
	gotEv, err := DecodeAuditEvent(7, encodeAuditEvent(ev))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotEv, ev) {
		t.Fatalf("got %+v, want %+v", gotEv, ev)
	}
	for _, bad := range []*RegisteredModel{
		{Name: "m", NextVersion: 1, Gates: []Gate{{Target: ""}}},
		{Name: "m", NextVersion: 1, Gates: []Gate{{Target: "Staging"}, {Target: "Production"}}},
		{Name: "m", NextVersion: 1, Gates: []Gate{{Target: "Staging"}, {Target: "Staging"}}},
	} {
		if err := checkModel(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("checkModel(gates %+v) = %v, want ErrInvalid", bad.Gates, err)
		}
	}
}

// FuzzDecodeAuditEvent: any bytes either decode or fail with ErrCorrupt;
// what decodes re-encodes to the same bytes.
func FuzzDecodeAuditEvent(f *testing.F) {
	f.Add(encodeAuditEvent(seedEvent()))
	f.Add(encodeAuditEvent(&AuditEvent{Action: "create_model", Model: "m"}))
	f.Add([]byte{1})
	fuzzRoundTrip(f, func(b []byte) (*AuditEvent, error) { return DecodeAuditEvent(1, b) }, encodeAuditEvent, nil)
}

func seedVersion() *ModelVersion {
	return &ModelVersion{Name: "credit", Version: 2, CreationTime: 1, LastUpdatedTime: 2, Description: "d",
		UserID: "u", Stage: StageProduction, Source: "runs:/x/model", RunID: "x", Status: Ready,
		Tags: map[string]string{"k": "v"}}
}

// FuzzDecodeRegisteredModel: any bytes either decode or fail with
// ErrCorrupt; what decodes re-encodes to the same bytes.
func FuzzDecodeRegisteredModel(f *testing.F) {
	f.Add(encodeRegisteredModel(seedModel()))
	f.Add(encodeRegisteredModel(&RegisteredModel{Name: "m", NextVersion: 1}))
	f.Add(v1RegisteredModel)
	f.Add([]byte{1})
	fuzzRoundTrip(f, DecodeRegisteredModel, encodeRegisteredModel, nil)
}

// FuzzDecodeModelVersion: any bytes either decode or fail with
// ErrCorrupt; what decodes re-encodes to the same bytes.
func FuzzDecodeModelVersion(f *testing.F) {
	f.Add(encodeModelVersion(seedVersion()))
	f.Add(encodeModelVersion(&ModelVersion{Name: "m", Version: 1, Status: Ready}))
	f.Add([]byte{1})
	fuzzRoundTrip(f, DecodeModelVersion, encodeModelVersion, nil)
}

func TestRegistryRecords(t *testing.T) {
	s := openTest(t, nil)
	ctx := context.Background()
	mustUpdate(t, s, func(tx *Tx) error {
		m := seedModel()
		m.Aliases = nil
		if err := tx.CreateRegisteredModel(m); err != nil {
			return err
		}
		if err := tx.CreateRegisteredModel(&RegisteredModel{Name: "credit"}); !errors.Is(err, ErrExists) {
			t.Errorf("second create: got %v, want ErrExists", err)
		}
		if err := tx.CreateRegisteredModel(&RegisteredModel{Name: "credit2"}); err != nil {
			return err
		}
		for _, v := range []int64{1, 2} {
			mv := seedVersion()
			mv.Version = v
			if err := tx.PutModelVersion(mv); err != nil {
				return err
			}
			if err := tx.PutModelVersionFile("credit", v, Artifact{Path: "model/MLmodel", Size: 3}); err != nil {
				return err
			}
		}
		mv := seedVersion()
		mv.Version = 3
		if err := tx.PutModelVersion(mv); !errors.Is(err, ErrInvalid) {
			t.Errorf("version at NextVersion: got %v, want ErrInvalid", err)
		}
		if err := tx.RenameRegisteredModel("credit", "credit3"); err != nil {
			return err
		}
		if _, err := tx.ModelVersion("credit", 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("old name's version: got %v, want ErrNotFound", err)
		}
		got, err := tx.ModelVersion("credit3", 2)
		if err != nil || got.Name != "credit3" || got.Stage != StageProduction {
			t.Errorf("renamed version: got %+v, %v", got, err)
		}
		if a, err := tx.ModelVersionFile("credit3", 2, "model/MLmodel"); err != nil || a.Size != 3 {
			t.Errorf("renamed file: got %+v, %v", a, err)
		}
		n := 0
		tx.ForEachModelVersionFile(func(string, int64, Artifact) error { n++; return nil })
		if n != 2 {
			t.Errorf("files: got %d, want 2", n)
		}
		if err := tx.DeleteModelVersion("credit3", 1); err != nil {
			return err
		}
		if _, err := tx.ModelVersionFile("credit3", 1, "model/MLmodel"); !errors.Is(err, ErrNotFound) {
			t.Errorf("deleted version's file: got %v, want ErrNotFound", err)
		}
		return nil
	})
	if probs, err := s.Check(ctx); err != nil || len(probs) != 0 {
		t.Fatalf("Check: %v %v", probs, err)
	}
	if err := s.Update(ctx, func(tx *Tx) error { return tx.DeleteRegisteredModel("credit3") }); err != nil {
		t.Fatal(err)
	}
	s.View(ctx, func(tx *Tx) error {
		n := 0
		tx.ForEachModelVersionFile(func(string, int64, Artifact) error { n++; return nil })
		tx.ForEachRegisteredModel(func(*RegisteredModel) error { n += 10; return nil })
		if n != 10 {
			t.Errorf("after delete: got %d, want 10 (one model, no files)", n)
		}
		return nil
	})
}

func TestCheckRegistryProblems(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, nil)
	mustUpdate(t, s, func(tx *Tx) error {
		if err := tx.CreateRegisteredModel(&RegisteredModel{Name: "m", NextVersion: 3, Aliases: map[string]int64{"a": 2}}); err != nil {
			return err
		}
		for _, v := range []int64{1, 2} {
			if err := tx.PutModelVersion(&ModelVersion{Name: "m", Version: v, Status: Ready}); err != nil {
				return err
			}
		}
		// DeleteModelVersion leaves aliases to the caller: the alias now dangles.
		if err := tx.DeleteModelVersion("m", 2); err != nil {
			return err
		}
		// A file of a version that does not exist, and a version of a model that does not.
		if err := tx.tx.Bucket(bucketRegVersionFiles).Put(versionFileKey("m", 7, "f"), encodeArtifact(&Artifact{Path: "f"})); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketRegVersions).Put(versionKey("ghost", 1), encodeModelVersion(&ModelVersion{Name: "ghost", Version: 1, Status: Ready}))
	})
	probs, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`model "ghost" version 1: registered model does not exist`,
		`registered model "m": alias "a" points at version 2, which does not exist`,
		`model "m" version 7 file "f": version does not exist`,
	}
	if len(probs) != len(want) {
		t.Fatalf("Check: got %q, want %q", probs, want)
	}
	for i, p := range probs {
		if p.String() != want[i] {
			t.Errorf("problem %d: got %q, want %q", i, p, want[i])
		}
	}
	// Repair so the cleanup's Check passes.
	err = s.Update(ctx, func(tx *Tx) error {
		tx.tx.Bucket(bucketRegVersionFiles).Delete(versionFileKey("m", 7, "f"))
		tx.tx.Bucket(bucketRegVersions).Delete(versionKey("ghost", 1))
		m, _ := tx.RegisteredModel("m")
		delete(m.Aliases, "a")
		return tx.PutRegisteredModel(m)
	})
	if err != nil {
		t.Fatal(err)
	}
}
