package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"testing"
)

func seedLoggedModel() *LoggedModel {
	return &LoggedModel{
		ID: ModelID{1, 2, 3}, ExperimentID: 0, Name: "model", CreationTime: 1700000000000, LastUpdatedTime: 1700000000500,
		ArtifactLocation: "mlflow-artifacts:/0/models/m-01020300000000000000000000000000/artifacts",
		Status:           ModelReady, StatusMessage: "ok", ModelType: "sklearn", SourceRunID: "0123456789abcdef0123456789abcdef",
		Tags:   map[string]string{"mlflow.user": "ana", "a": "b"},
		Params: map[string]string{"C": "1.0"},
		Metrics: []ModelMetric{
			{Key: "auc", Value: 0.91, Time: 1700000000100, Step: 0, DatasetName: "train", DatasetDigest: "abc", RunID: "0123456789abcdef0123456789abcdef"},
			{Key: "loss", Value: math.Inf(1), Time: -1, Step: -5},
		},
	}
}

func TestLoggedModelRecordRoundTrip(t *testing.T) {
	for _, m := range []*LoggedModel{seedLoggedModel(), {ID: ModelID{9}, Tags: map[string]string{}, Params: map[string]string{}}} {
		got, err := DecodeLoggedModel(encodeLoggedModel(m))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("round trip: got %+v, want %+v", got, m)
		}
	}
}

func TestDecodeLoggedModelRefuses(t *testing.T) {
	good := encodeLoggedModel(seedLoggedModel())
	bad := map[string][]byte{
		"empty":          nil,
		"version":        append([]byte{9}, good[1:]...),
		"truncated":      good[:len(good)-1],
		"trailing":       append(bytes.Clone(good), 0),
		"huge count":     append(bytes.Clone(good[:len(good)-1]), 0xff),
		"status":         func() []byte { b := encodeLoggedModel(&LoggedModel{Status: 7}); return b }(),
		"tags unordered": encodeUnorderedTags(),
	}
	for name, b := range bad {
		if _, err := DecodeLoggedModel(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: got %v, want ErrCorrupt", name, err)
		}
	}
}

func encodeUnorderedTags() []byte {
	e := encoder{}
	e.byte1(loggedModelRecordV1)
	e.raw(make([]byte, 16))
	e.uvarint(0)
	e.str("m")
	e.varint(0)
	e.varint(0)
	e.str("")
	e.byte1(1)
	e.str("")
	e.byte1(0)
	e.str("")
	e.str("")
	e.uvarint(2)
	e.strs("b", "1")
	e.strs("a", "2")
	e.uvarint(0)
	e.uvarint(0)
	return e.b
}

func TestParseModelID(t *testing.T) {
	id := NewModelID()
	got, err := ParseModelID(id.String())
	if err != nil || got != id {
		t.Fatalf("ParseModelID(%s) = %v, %v; want the id back", id, got, err)
	}
	for _, s := range []string{"", "m-", "m-0123", "x-0123456789abcdef0123456789abcdef", "m-0123456789ABCDEF0123456789abcdef", "m-0123456789abcdef0123456789abcdeg"} {
		if _, err := ParseModelID(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseModelID(%q): got %v, want ErrInvalid", s, err)
		}
	}
}

func formatOf(t *testing.T, s *Store) uint32 {
	t.Helper()
	var v uint32
	if err := s.View(context.Background(), func(tx *Tx) error {
		v = binary.BigEndian.Uint32(tx.tx.Bucket(bucketMeta).Get(metaFormat))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestLoggedModels(t *testing.T) {
	s := openTest(t, nil)
	ctx := context.Background()
	if v := formatOf(t, s); v != 1 {
		t.Fatalf("new file: format %d, want 1", v)
	}
	r := newRun(t, s, 0)
	old, young := seedLoggedModel(), seedLoggedModel()
	young.ID, young.CreationTime = ModelID{7}, old.CreationTime+10
	mustUpdate(t, s, func(tx *Tx) error {
		for _, m := range []*LoggedModel{old, young} {
			if err := tx.CreateLoggedModel(m); err != nil {
				return err
			}
		}
		if err := tx.CreateLoggedModel(seedLoggedModel()); !errors.Is(err, ErrExists) {
			t.Errorf("second create: got %v, want ErrExists", err)
		}
		orphan := seedLoggedModel()
		orphan.ID, orphan.ExperimentID = ModelID{8}, 42
		if err := tx.CreateLoggedModel(orphan); !errors.Is(err, ErrNotFound) {
			t.Errorf("create in a missing experiment: got %v, want ErrNotFound", err)
		}
		if err := tx.PutFile(ModelFiles(old.ID), Artifact{Path: "MLmodel", Size: 3}); err != nil {
			return err
		}
		if err := tx.PutRunModel(r.ID, RunModel{Model: old.ID, Output: true, Step: 3}); err != nil {
			return err
		}
		if err := tx.PutRunModel(r.ID, RunModel{Model: young.ID}); err != nil {
			return err
		}
		if err := tx.PutRunModel(RunID{99}, RunModel{Model: old.ID}); !errors.Is(err, ErrNotFound) {
			t.Errorf("link from a missing run: got %v, want ErrNotFound", err)
		}
		changed := *old
		changed.CreationTime++
		if err := tx.PutLoggedModel(&changed); !errors.Is(err, ErrInvalid) {
			t.Errorf("moving the creation time: got %v, want ErrInvalid", err)
		}
		return nil
	})
	if v := formatOf(t, s); v != 2 {
		t.Fatalf("after the first logged model: format %d, want 2", v)
	}
	if v := s.FormatVersion(); v != 2 {
		t.Errorf("Store.FormatVersion after the first logged model: got %d, want 2", v)
	}
	err := s.View(ctx, func(tx *Tx) error {
		var ids []ModelID
		if err := tx.LoggedModels(0, func(m *LoggedModel) (bool, error) { ids = append(ids, m.ID); return true, nil }); err != nil {
			return err
		}
		if want := []ModelID{young.ID, old.ID}; !reflect.DeepEqual(ids, want) {
			t.Errorf("LoggedModels: got %v, want newest first %v", ids, want)
		}
		links, err := tx.RunModels(r.ID)
		if err != nil {
			return err
		}
		want := []RunModel{{Model: young.ID}, {Model: old.ID, Output: true, Step: 3}}
		if !reflect.DeepEqual(links, want) {
			t.Errorf("RunModels: got %+v, want %+v", links, want)
		}
		var files []string
		if err := tx.ForEachLoggedModelFile(func(id ModelID, a Artifact) error {
			files = append(files, id.String()+":"+a.Path)
			return nil
		}); err != nil {
			return err
		}
		if want := []string{old.ID.String() + ":MLmodel"}; !reflect.DeepEqual(files, want) {
			t.Errorf("ForEachLoggedModelFile: got %v, want %v", files, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Purging the run drops its links; purging a model drops its files.
	err = s.Update(ctx, func(tx *Tx) error {
		if err := tx.PurgeRun(r.ID); err != nil {
			return err
		}
		return tx.PurgeLoggedModel(old.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.View(ctx, func(tx *Tx) error {
		if _, err := tx.LoggedModel(old.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("purged model: got %v, want ErrNotFound", err)
		}
		n := 0
		_ = tx.ForEachLoggedModelFile(func(ModelID, Artifact) error { n++; return nil })
		if n != 0 {
			t.Errorf("purged model: %d files left, want 0", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCheckFindsLoggedModelProblems(t *testing.T) {
	s := openTest(t, nil)
	ctx := context.Background()
	m := seedLoggedModel()
	if err := s.Update(ctx, func(tx *Tx) error { return tx.CreateLoggedModel(m) }); err != nil {
		t.Fatal(err)
	}
	// Break it: an index entry of a model that is not there, a file of
	// a model that is not there, and a format that does not admit models.
	if err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.tx.Bucket(bucketLoggedModelsByExp).Put(loggedModelsByExpKey(0, 5, ModelID{5}), nil); err != nil {
			return err
		}
		if err := tx.PutFile(ModelFiles(ModelID{6}), Artifact{Path: "x"}); err != nil {
			return err
		}
		return tx.tx.Bucket(bucketMeta).Put(metaFormat, binary.BigEndian.AppendUint32(nil, 1))
	}); err != nil {
		t.Fatal(err)
	}
	probs, err := s.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 3 {
		t.Errorf("Check: got %d problems %v, want 3", len(probs), probs)
	}
	// Repair, so the cleanup's check passes.
	if err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.tx.Bucket(bucketLoggedModelsByExp).Delete(loggedModelsByExpKey(0, 5, ModelID{5})); err != nil {
			return err
		}
		if _, err := tx.DeleteFiles(ModelFiles(ModelID{6}), ""); err != nil {
			return err
		}
		return tx.raiseFormat(2)
	}); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteExperimentPurgesLoggedModels(t *testing.T) {
	s := openTest(t, nil)
	ctx := context.Background()
	x := &Experiment{Name: "e"}
	m := seedLoggedModel()
	if err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.CreateExperiment(x); err != nil {
			return err
		}
		m.ExperimentID = x.ID
		if err := tx.CreateLoggedModel(m); err != nil {
			return err
		}
		if err := tx.PutFile(ModelFiles(m.ID), Artifact{Path: "MLmodel"}); err != nil {
			return err
		}
		return tx.DeleteExperiment(x.ID)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, func(tx *Tx) error {
		_, err := tx.LoggedModel(m.ID)
		return err
	}); !errors.Is(err, ErrNotFound) {
		t.Errorf("model of a deleted experiment: got %v, want ErrNotFound", err)
	}
}

func TestModelVersionWithModelID(t *testing.T) {
	mv := seedVersion()
	mv.ModelID = ModelID{4, 2}
	b := encodeModelVersion(mv)
	if b[0] != modelVersionRecordV2 {
		t.Fatalf("record version %d, want 2", b[0])
	}
	got, err := DecodeModelVersion(b)
	if err != nil || got.ModelID != mv.ModelID {
		t.Fatalf("decode: got %+v, %v; want model id %s", got, err, mv.ModelID)
	}
	if b := encodeModelVersion(seedVersion()); b[0] != modelVersionRecordV1 {
		t.Errorf("a version without a model id: record version %d, want 1", b[0])
	}
}

// FuzzDecodeLoggedModel: any bytes either decode or fail with ErrCorrupt;
// what decodes re-encodes to the same bytes.
func FuzzDecodeLoggedModel(f *testing.F) {
	f.Add(encodeLoggedModel(seedLoggedModel()))
	f.Add(encodeLoggedModel(&LoggedModel{}))
	f.Add([]byte{1})
	fuzzRoundTrip(f, DecodeLoggedModel, encodeLoggedModel, nil)
}

// FuzzDecodeRunModel: any key and value either decode or fail with
// ErrCorrupt; what decodes re-encodes to the same bytes.
func FuzzDecodeRunModel(f *testing.F) {
	f.Add(runModelKey(RunID{1}, true, ModelID{2}), encodeRunModel(7))
	f.Add(runModelKey(RunID{1}, false, ModelID{2}), encodeRunModel(0))
	f.Add([]byte{1}, []byte{1})
	f.Fuzz(func(t *testing.T, k, v []byte) {
		run, rm, err := DecodeRunModel(k, v)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		k2, v2 := runModelKey(run, rm.Output, rm.Model), encodeRunModel(rm.Step)
		run2, rm2, err := DecodeRunModel(k2, v2)
		if err != nil || run2 != run || rm2 != rm {
			t.Fatalf("re-encoded %x=%x decodes to %v %+v, %v; want %v %+v", k2, v2, run2, rm2, err, run, rm)
		}
	})
}

// A format 1 file lacks format 2's buckets: opened read-only, it reads as
// having no logged models; opened for writing, it gets them.
func TestFormatOneReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "f1.mlite")
	s, err := Open(ctx, path, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx *Tx) error {
		for _, name := range formatTwoBuckets {
			if err := tx.tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ro, err := Open(ctx, path, &Options{NoSync: true, ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of a format 1 file: %v", err)
	}
	err = ro.View(ctx, func(tx *Tx) error {
		if _, err := tx.LoggedModel(ModelID{1}); !errors.Is(err, ErrNotFound) {
			t.Errorf("LoggedModel: got %v, want ErrNotFound", err)
		}
		if _, err := tx.File(ModelFiles(ModelID{1}), "MLmodel"); !errors.Is(err, ErrNotFound) {
			t.Errorf("File: got %v, want ErrNotFound", err)
		}
		n := 0
		count := func(ModelID, Artifact) error { n++; return nil }
		if err := tx.ForEachLoggedModelFile(count); err != nil || n != 0 {
			t.Errorf("ForEachLoggedModelFile: %d files, %v", n, err)
		}
		if err := tx.LoggedModels(0, func(*LoggedModel) (bool, error) { n++; return true, nil }); err != nil || n != 0 {
			t.Errorf("LoggedModels: %d models, %v", n, err)
		}
		if links, err := tx.RunModels(RunID{1}); err != nil || links != nil {
			t.Errorf("RunModels: %v, %v", links, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mustCheck(t, ro)
	if err := ro.Close(); err != nil {
		t.Fatal(err)
	}
	rw := openAt(t, path)
	if err := rw.View(ctx, func(tx *Tx) error {
		for _, name := range formatTwoBuckets {
			if tx.tx.Bucket(name) == nil {
				t.Errorf("bucket %s not created by a writable open", name)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
