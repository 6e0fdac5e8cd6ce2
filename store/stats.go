package store

import "context"

// BucketStats is the space one bucket of the file takes.
type BucketStats struct {
	Keys       int   // keys stored
	InuseBytes int64 // bytes of pages in use: keys, values and page headers
	AllocBytes int64 // bytes of pages allocated to the bucket
}

// Stats describes the file: its size and each bucket's share.
type Stats struct {
	FileBytes int64
	FreePages int
	Buckets   map[string]BucketStats
}

// Stats reads the file's space figures in one read transaction.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st := Stats{Buckets: map[string]BucketStats{}}
	err := s.View(ctx, func(tx *Tx) error {
		st.FileBytes = tx.tx.Size()
		for _, name := range allBuckets {
			bs := tx.tx.Bucket(name).Stats()
			st.Buckets[string(name)] = BucketStats{
				Keys:       bs.KeyN,
				InuseBytes: int64(bs.BranchInuse + bs.LeafInuse),
				AllocBytes: int64(bs.BranchAlloc + bs.LeafAlloc),
			}
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	s.mu.Lock()
	if s.bdb != nil {
		st.FreePages = s.bdb.Stats().FreePageN
	}
	s.mu.Unlock()
	return st, nil
}

// SeriesBucket is the name of the bucket of metric chunks in Stats.Buckets.
const SeriesBucket = "series"
