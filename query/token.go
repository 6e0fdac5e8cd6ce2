package query

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// Keyset page tokens.
//
// A token is the unpadded URL-safe base64 of:
//
//	version   1 byte, tokenVersion
//	print     8 bytes, big-endian fingerprint of the entity, the full order and
//	          the scope (Order.WithScope)
//	values    one per order key, in order: a kind byte, then
//	            missing, NaN: nothing
//	            int:    signed varint
//	            float:  8 bytes, big-endian IEEE 754 bits
//	            string: uvarint length, then the bytes
//
// The next page is every row that sorts strictly after the encoded values, so
// rows added while a client pages through a search never shift the pages: no
// row that existed when the search began is skipped or repeated, as long as
// its order-key values do not change meanwhile (a run whose latest metric
// moves can move across the cursor).

const tokenVersion = 1

// MaxTokenLen bounds the length of a page token accepted by ParseToken and
// ParseOffsetToken (in characters of its text form).
const MaxTokenLen = 64 << 10

// Cursor is a decoded page token: the position after which the next page starts.
// A nil *Cursor is the start of the results.
type Cursor struct {
	order *Order
	vals  []sortVal
}

// Token returns the page token that resumes after last, the last row of a page.
func (o *Order) Token(last Record) string {
	return o.tokenFromVals(o.Key(last).vals)
}

// TokenFromKey returns the page token that resumes after the record whose
// extracted key is k.
func (o *Order) TokenFromKey(k Key) string { return o.tokenFromVals(k.vals) }

func (o *Order) tokenFromVals(vals []sortVal) string {
	b := make([]byte, 0, 16+len(vals)*9)
	b = append(b, tokenVersion)
	b = binary.BigEndian.AppendUint64(b, o.fp)
	for _, v := range vals {
		b = append(b, v.kind)
		switch v.kind {
		case svInt:
			b = binary.AppendVarint(b, v.i)
		case svFloat:
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(v.f))
		case svStr:
			b = binary.AppendUvarint(b, uint64(len(v.s)))
			b = append(b, v.s...)
		}
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseToken decodes a page token made by o.Token. The empty token returns a
// nil Cursor (the first page). A token that is not base64, is truncated or
// padded, or was made for another order, entity or scope is an *Error that
// matches ErrInvalid.
func (o *Order) ParseToken(tok string) (*Cursor, error) {
	if tok == "" {
		return nil, nil
	}
	if len(tok) > MaxTokenLen {
		return nil, tokenError(clip(tok, 16), "token is %d characters; the limit is %d", len(tok), MaxTokenLen)
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return nil, tokenError(tok, "not URL-safe base64")
	}
	if len(raw) < 9 || raw[0] != tokenVersion {
		return nil, tokenError(tok, "not a page token of this search")
	}
	if binary.BigEndian.Uint64(raw[1:9]) != o.fp {
		return nil, tokenError(tok, "the token belongs to another search (a different order, filter or scope)")
	}
	raw = raw[9:]
	vals := make([]sortVal, 0, len(o.keys))
	for i := range o.keys {
		if len(raw) == 0 {
			return nil, tokenError(tok, "truncated")
		}
		v := sortVal{kind: raw[0]}
		raw = raw[1:]
		switch v.kind {
		case svMissing, svNaN:
		case svInt:
			x, n := binary.Varint(raw)
			if n <= 0 {
				return nil, tokenError(tok, "bad integer")
			}
			v.i, v.f = x, float64(x)
			raw = raw[n:]
		case svFloat:
			if len(raw) < 8 {
				return nil, tokenError(tok, "truncated")
			}
			v.f = math.Float64frombits(binary.BigEndian.Uint64(raw))
			if math.IsNaN(v.f) {
				return nil, tokenError(tok, "bad number")
			}
			raw = raw[8:]
		case svStr:
			l, n := binary.Uvarint(raw)
			if n <= 0 || l > uint64(len(raw)-n) {
				return nil, tokenError(tok, "bad string length")
			}
			v.s = string(raw[n : n+int(l)])
			raw = raw[n+int(l):]
		default:
			return nil, tokenError(tok, "unknown value kind %d", v.kind)
		}
		if !kindFits(&o.keys[i], v.kind) {
			return nil, tokenError(tok, "value %d does not fit key %s", i+1, o.keys[i].field())
		}
		vals = append(vals, v)
	}
	if len(raw) != 0 {
		return nil, tokenError(tok, "%d trailing bytes", len(raw))
	}
	return &Cursor{order: o, vals: vals}, nil
}

// kindFits reports whether a decoded value kind can come from key k.
func kindFits(k *OrderKey, kind uint8) bool {
	switch k.Field {
	case FieldMetric:
		return kind == svMissing || kind == svNaN || kind == svFloat
	case FieldParam, FieldTag:
		return kind == svMissing || kind == svStr
	}
	return true
}

// After reports whether r sorts strictly after the cursor, that is, whether r
// belongs to the pages that follow it. A nil Cursor admits every record.
func (c *Cursor) After(r Record) bool {
	if c == nil {
		return true
	}
	return c.AfterKey(c.order.Key(r))
}

// AfterKey is After for an extracted key (Order.Key), the form searches
// that extract each record's key once use.
func (c *Cursor) AfterKey(k Key) bool {
	if c == nil {
		return true
	}
	keys := c.order.keys
	for i := range keys {
		if i >= len(k.vals) {
			return false
		}
		if cmp := compareVals(c.vals[i], k.vals[i], keys[i].Desc); cmp != 0 {
			return cmp < 0
		}
	}
	return false
}

// OffsetToken returns MLflow's page token for offset n: the standard base64 of
// the JSON {"offset": n}, byte for byte what MLflow's Python server emits.
func OffsetToken(n int) string {
	return base64.StdEncoding.EncodeToString([]byte(`{"offset": ` + strconv.Itoa(n) + `}`))
}

// ParseOffsetToken decodes an MLflow page token (base64 of JSON {"offset": N},
// N a non-negative integer or a string of one). The empty token is offset 0.
// MLflow rejects an offset of 0; this accepts it. Errors are *Error matching
// ErrInvalid.
func ParseOffsetToken(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	if len(tok) > MaxTokenLen {
		return 0, tokenError(clip(tok, 16), "token is %d characters; the limit is %d", len(tok), MaxTokenLen)
	}
	t := strings.TrimRight(tok, "=")
	var raw []byte
	var err error
	if strings.ContainsAny(t, "-_") {
		raw, err = base64.RawURLEncoding.DecodeString(t)
	} else {
		raw, err = base64.RawStdEncoding.DecodeString(t)
	}
	if err != nil {
		return 0, tokenError(tok, "could not base64-decode")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || dec.More() {
		return 0, tokenError(tok, "not a JSON object")
	}
	v, ok := obj["offset"]
	if !ok {
		return 0, tokenError(tok, "no offset")
	}
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = x
	default:
		return 0, tokenError(tok, "offset is not a number")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || n > math.MaxInt32 {
		return 0, tokenError(tok, "offset %q is not a non-negative integer", clip(s, 24))
	}
	return int(n), nil
}
