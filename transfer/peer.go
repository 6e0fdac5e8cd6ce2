package transfer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"

	"github.com/mlite/mlite/internal/mlflowclient"
	"github.com/mlite/mlite/store"
)

// TagServerID is the tag of an MLflow server's Default experiment (id 0)
// that names the server's store for mlite: a random id that the first push
// to a server without one writes there. A push keeps its marks under that
// id, not under the URL it was given, so the same server reached through
// another URL (localhost for 127.0.0.1, a proxy, a new host name) is known
// and nothing is sent twice; and a new server at an old URL is new.
const TagServerID = "mlite.server_id"

// Peer names: marks of a server with an id live under serverPeer(id); the
// URL peer, "mlflow:" and the server's URL, holds the markServer mark that
// says which id the URL led to last (a dry run, which asks nothing, reads
// it), and the marks of pushes made before servers had ids.
func serverPeer(id string) string { return "mlflow-server:" + id }

func urlPeer(c *mlflowclient.Client) string { return "mlflow:" + c.URL() }

// maxServerID caps the length of an id read from a server.
const maxServerID = 128

// identify finds the peer the push keeps its marks under. It is the push's
// first request, so that a server that is down, refuses the credentials or
// does not speak MLflow's API fails the push before the store is written.
func (p *pusher) identify(ctx context.Context) error {
	byURL := urlPeer(p.c)
	p.peer = byURL
	last, _, err := p.markOf(ctx, byURL, markServer, nil)
	if err != nil {
		return err
	}
	if p.o.DryRun {
		if last.Ref != "" {
			p.peer = serverPeer(last.Ref)
		}
		return nil
	}
	id, err := p.serverID(ctx)
	if err != nil || id == "" {
		return err
	}
	p.peer = serverPeer(id)
	if last.Ref == id {
		return nil
	}
	// First push to this server through this URL: marks made through the
	// URL before servers had ids are the server's, unless it has marks of
	// its own already.
	return p.st.Update(ctx, func(tx *store.Tx) error {
		has := false
		if err := tx.SyncMarks(p.peer, markExperiment, func([]byte, store.SyncMark) error { has = true; return nil }); err != nil {
			return err
		}
		if !has && last.Ref == "" {
			for k := store.SyncKind(1); k <= lastKind; k++ {
				if k == markServer {
					continue
				}
				var keys [][]byte
				var ms []store.SyncMark
				err := tx.SyncMarks(byURL, k, func(key []byte, m store.SyncMark) error {
					keys = append(keys, append([]byte(nil), key...))
					ms = append(ms, m)
					return nil
				})
				if err != nil {
					return err
				}
				for i := range keys {
					if err := tx.PutSyncMark(p.peer, k, keys[i], ms[i]); err != nil {
						return err
					}
				}
			}
		}
		return tx.PutSyncMark(byURL, markServer, nil, store.SyncMark{Ref: id})
	})
}

// serverID reads the server's id from its Default experiment, writing a new
// one there if it has none. It returns "" (and notes why in the report) for
// a server where that is not possible: marks are then kept by URL.
func (p *pusher) serverID(ctx context.Context) (string, error) {
	read := func() (string, error) {
		var got struct {
			Experiment struct {
				ID   string `json:"experiment_id"`
				Tags []kv   `json:"tags"`
			} `json:"experiment"`
		}
		err := p.c.Get(ctx, "experiments/get", url.Values{"experiment_id": {"0"}}, &got)
		switch {
		case errors.Is(err, mlflowclient.ErrUnauthorized):
			return "", fmt.Errorf("transfer: %s refused the credentials (set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD): %w", p.c.URL(), err)
		case errors.Is(err, mlflowclient.ErrNotFound):
			return "", errNoDefault
		case err != nil:
			return "", fmt.Errorf("transfer: %s does not answer as an MLflow tracking server: %w", p.c.URL(), err)
		case got.Experiment.ID != "0":
			return "", fmt.Errorf("transfer: %s does not answer as an MLflow tracking server: experiments/get of experiment 0 answered experiment %q: %w", p.c.URL(), got.Experiment.ID, mlflowclient.ErrBadAnswer)
		}
		for _, t := range got.Experiment.Tags {
			if t.Key == TagServerID && t.Value != "" && len(t.Value) <= maxServerID {
				return t.Value, nil
			}
		}
		return "", nil
	}
	id, err := read()
	if errors.Is(err, errNoDefault) {
		p.skip("%s has no Default experiment (id 0) to hold its id: marks are kept by URL", p.c.URL())
		return "", nil
	}
	if err != nil || id != "" {
		return id, err
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	err = p.c.Post(ctx, "experiments/set-experiment-tag", map[string]string{"experiment_id": "0", "key": TagServerID, "value": hex.EncodeToString(b[:])}, nil)
	switch {
	case errors.Is(err, mlflowclient.ErrUnauthorized):
		p.skip("%s refused to tag its Default experiment with its id: marks are kept by URL", p.c.URL())
		return "", nil
	case err != nil:
		return "", fmt.Errorf("transfer: %s: writing its id: %w", p.c.URL(), err)
	}
	// Read back, and keep what the server holds: of two first pushes to
	// one server at the same moment, the one that wrote first reads the
	// other's id. Only if it read back before the other wrote (a window of
	// one request) do both keep their own, and the store whose id the
	// server does not hold sends its runs again as new on its next push.
	if id, err = read(); err == nil && id == "" {
		err = fmt.Errorf("transfer: %s: its id is not on its Default experiment after writing it: %w", p.c.URL(), mlflowclient.ErrBadAnswer)
	}
	return id, err
}

var errNoDefault = errors.New("transfer: no Default experiment")

// markOf reads a mark of any peer.
func (p *pusher) markOf(ctx context.Context, peer string, kind store.SyncKind, key []byte) (store.SyncMark, bool, error) {
	var (
		m  store.SyncMark
		ok bool
	)
	err := p.st.View(ctx, func(tx *store.Tx) error {
		var err error
		m, ok, err = tx.SyncMark(peer, kind, key)
		return err
	})
	return m, ok, err
}
