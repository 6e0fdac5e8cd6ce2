package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// Digest is the SHA-256 of a blob's uncompressed content. It is a value:
// compare digests with ==, use them as map keys.
type Digest [32]byte

// ErrInvalidDigest reports text that is not a digest (64 hex digits).
var ErrInvalidDigest = errors.New("blob: invalid digest")

// Sum returns the digest of content held in memory.
func Sum(content []byte) Digest {
	return Digest(sha256.Sum256(content))
}

// String returns the digest as 64 lowercase hex digits.
func (d Digest) String() string {
	return hex.EncodeToString(d[:])
}

// IsZero reports whether d is the zero Digest (all zero bytes), which no
// real content hashes to in practice and which callers may use as "none".
func (d Digest) IsZero() bool {
	return d == Digest{}
}

// ParseDigest parses 64 hex digits (either case) into a Digest.
func ParseDigest(s string) (Digest, error) {
	var d Digest
	if len(s) != 2*len(d) {
		return Digest{}, fmt.Errorf("%w: %s: want 64 hex digits, got %d characters", ErrInvalidDigest, quoteShort(s), len(s))
	}
	if _, err := hex.Decode(d[:], []byte(s)); err != nil {
		return Digest{}, fmt.Errorf("%w: %s: not hex", ErrInvalidDigest, quoteShort(s))
	}
	return d, nil
}

// MarshalText implements encoding.TextMarshaler (lowercase hex).
func (d Digest) MarshalText() ([]byte, error) {
	b := make([]byte, 2*len(d))
	hex.Encode(b, d[:])
	return b, nil
}

// UnmarshalText implements encoding.TextUnmarshaler, as ParseDigest.
func (d *Digest) UnmarshalText(text []byte) error {
	p, err := ParseDigest(string(text))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// quoteShort quotes s for an error message, cut to a readable length.
func quoteShort(s string) string {
	const max = 80
	if len(s) > max {
		return fmt.Sprintf("%q…", s[:max])
	}
	return fmt.Sprintf("%q", s)
}
