package store

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

func TestSyncMarks(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "s.mlite"), &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// A file without the bucket reads as holding no marks.
	if err := s.View(ctx, func(tx *Tx) error {
		if _, ok, err := tx.SyncMark("p", 1, []byte("k")); ok || err != nil {
			t.Errorf("SyncMark on a new file: got ok=%v err=%v, want false nil", ok, err)
		}
		peers, err := tx.SyncPeers()
		if len(peers) != 0 || err != nil {
			t.Errorf("SyncPeers on a new file: got %q %v, want none", peers, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	marks := []struct {
		peer string
		kind SyncKind
		key  string
		m    SyncMark
	}{
		{"mlflow:http://a", 2, "run1", SyncMark{Ref: "abc", State: []byte{1, 2, 3}}},
		{"mlflow:http://a", 2, "run2", SyncMark{}},
		{"mlflow:http://a", 6, "run1auc", SyncMark{Count: 1 << 40}},
		{"mlflow:http://b", 2, "run1", SyncMark{Ref: "xyz"}},
	}
	if err := s.Update(ctx, func(tx *Tx) error {
		for _, m := range marks {
			if err := tx.PutSyncMark(m.peer, m.kind, []byte(m.key), m.m); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, func(tx *Tx) error {
		for _, m := range marks {
			got, ok, err := tx.SyncMark(m.peer, m.kind, []byte(m.key))
			if !ok || err != nil || got.Ref != m.m.Ref || got.Count != m.m.Count || !bytes.Equal(got.State, m.m.State) {
				t.Errorf("SyncMark(%s, %d, %s): got %+v %v %v, want %+v", m.peer, m.kind, m.key, got, ok, err, m.m)
			}
		}
		var keys []string
		if err := tx.SyncMarks("mlflow:http://a", 2, func(k []byte, _ SyncMark) error {
			keys = append(keys, string(k))
			return nil
		}); err != nil {
			return err
		}
		if want := []string{"run1", "run2"}; !slices.Equal(keys, want) {
			t.Errorf("SyncMarks(a, 2): got %q, want %q", keys, want)
		}
		peers, err := tx.SyncPeers()
		if want := []string{"mlflow:http://a", "mlflow:http://b"}; !slices.Equal(peers, want) || err != nil {
			t.Errorf("SyncPeers: got %q %v, want %q", peers, err, want)
		}
		if _, _, err := tx.SyncMark("", 1, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("SyncMark with no peer: got %v, want ErrInvalid", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if probs, err := s.Check(ctx); len(probs) != 0 || err != nil {
		t.Errorf("Check: got %v %v, want no problems", probs, err)
	}
}

func TestSyncMarkDecodeRefusesDamage(t *testing.T) {
	good := encodeSyncMark(SyncMark{Ref: "r", Count: 7, State: []byte("s")})
	for _, b := range [][]byte{nil, {9}, good[:len(good)-1], append(slices.Clone(good), 0)} {
		if _, err := decodeSyncMark(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decodeSyncMark(%x): got %v, want ErrCorrupt", b, err)
		}
	}
}

func FuzzSyncMark(f *testing.F) {
	f.Add(encodeSyncMark(SyncMark{Ref: "r", Count: 7, State: []byte("s")}))
	f.Add([]byte{1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeSyncMark(b)
		if err != nil {
			return
		}
		again, err := decodeSyncMark(encodeSyncMark(m))
		if err != nil || again.Ref != m.Ref || again.Count != m.Count || !bytes.Equal(again.State, m.State) {
			t.Fatalf("decode(%x) = %+v: encoded and decoded again: %+v %v", b, m, again, err)
		}
	})
}
