package store

import (
	"encoding/binary"
	"fmt"
)

// The registry's audit log: one append-only bucket of events.
//
//	reg_audit   u64 sequence -> AuditEvent record
//
// Sequences come from the bucket's own sequence counter, so they only grow
// and give the global order of registry changes. Nothing rewrites or
// deletes an event: renaming or deleting a model leaves its history.
var bucketRegAudit = []byte("reg_audit")

// AuditEvent is one registry change.
type AuditEvent struct {
	Seq     uint64 // global order, from 1; set by AppendAuditEvent
	Time    int64  // ms since the epoch
	User    string
	Action  string
	Model   string
	Version int64  // 0 for an event about the model itself
	Key     string // the tag key, alias or gate target the event is about
	From    string
	To      string
	Gates   []GateResult
}

// GateResult is the outcome of one requirement of a promotion gate.
type GateResult struct {
	Requirement string
	Passed      bool
	Detail      string
}

const auditRecordV1 = 1

func encodeAuditEvent(ev *AuditEvent) []byte {
	e := encoder{b: make([]byte, 0, 48+len(ev.Model)+len(ev.Action)+len(ev.From)+len(ev.To))}
	e.byte1(auditRecordV1)
	e.varint(ev.Time)
	e.str(ev.User)
	e.str(ev.Action)
	e.str(ev.Model)
	e.varint(ev.Version)
	e.str(ev.Key)
	e.str(ev.From)
	e.str(ev.To)
	e.uvarint(uint64(len(ev.Gates)))
	for _, g := range ev.Gates {
		e.str(g.Requirement)
		if g.Passed {
			e.byte1(1)
		} else {
			e.byte1(0)
		}
		e.str(g.Detail)
	}
	return e.b
}

// DecodeAuditEvent decodes the audit record stored under sequence seq.
// It never panics; malformed input wraps ErrCorrupt.
func DecodeAuditEvent(seq uint64, b []byte) (*AuditEvent, error) {
	d := decoder{b: b, what: "audit event"}
	d.version(auditRecordV1, auditRecordV1)
	ev := &AuditEvent{Seq: seq}
	ev.Time = d.varint()
	ev.User = d.str()
	ev.Action = d.str()
	ev.Model = d.str()
	ev.Version = d.varint()
	ev.Key = d.str()
	ev.From = d.str()
	ev.To = d.str()
	if ev.Action == "" && d.err == nil {
		d.fail("no action")
	}
	if ev.Version < 0 && d.err == nil {
		d.fail("version %d", ev.Version)
	}
	n := d.count(3)
	for i := 0; i < n && d.err == nil; i++ {
		g := GateResult{Requirement: d.str()}
		switch p := d.byte1(); p {
		case 0, 1:
			g.Passed = p == 1
		default:
			d.fail("gate result %d: passed byte %d", i, p)
		}
		g.Detail = d.str()
		ev.Gates = append(ev.Gates, g)
	}
	if err := d.done(); err != nil {
		return nil, err
	}
	return ev, nil
}

// AppendAuditEvent appends ev to the audit log, setting ev.Seq. It needs
// a write transaction; the event commits or rolls back with the change it
// records.
func (t *Tx) AppendAuditEvent(ev *AuditEvent) error {
	if ev.Action == "" || ev.Version < 0 {
		return fmt.Errorf("store: audit event with action %q, version %d: %w", ev.Action, ev.Version, ErrInvalid)
	}
	b := t.tx.Bucket(bucketRegAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("store: audit log: %w", err)
	}
	ev.Seq = seq
	return b.Put(u64key(seq), encodeAuditEvent(ev))
}

// AuditEvents calls fn with every audit event after sequence after (0:
// all), oldest first, until fn returns an error.
func (t *Tx) AuditEvents(after uint64, fn func(*AuditEvent) error) error {
	c := t.tx.Bucket(bucketRegAudit).Cursor()
	for k, v := c.Seek(u64key(after + 1)); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			return fmt.Errorf("store: audit event key %x: %w", k, ErrCorrupt)
		}
		ev, err := DecodeAuditEvent(binary.BigEndian.Uint64(k), v)
		if err != nil {
			return err
		}
		if err := fn(ev); err != nil {
			return err
		}
	}
	return nil
}

// checkAudit verifies that every audit record decodes under an 8-byte key
// no higher than the bucket's sequence.
func (t *Tx) checkAudit(c *checker) {
	b := t.tx.Bucket(bucketRegAudit)
	top := b.Sequence()
	b.ForEach(func(k, v []byte) error {
		if len(k) != 8 {
			c.add(fmt.Sprintf("audit event key %x", k), "not 8 bytes")
			return nil
		}
		seq := binary.BigEndian.Uint64(k)
		if seq == 0 || seq > top {
			c.add(fmt.Sprintf("audit event %d", seq), "beyond the log's sequence %d", top)
		}
		if _, err := DecodeAuditEvent(seq, v); err != nil {
			c.add(fmt.Sprintf("audit event %d", seq), "%v", err)
		}
		return nil
	})
}
