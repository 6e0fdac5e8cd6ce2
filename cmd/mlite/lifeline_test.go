package main

import (
	"context"
	"io"
	"testing"
	"time"
)

// TestUntilEOF: the context lives while the input is open, and ends when
// its writer closes it, as when the parent process that holds it exits.
func TestUntilEOF(t *testing.T) {
	r, w := io.Pipe()
	ctx := untilEOF(context.Background(), r)
	if _, err := w.Write([]byte("ignored\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
		t.Fatal("context ended while the input was open")
	case <-time.After(50 * time.Millisecond):
	}
	w.Close()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("context still alive 10s after its input closed")
	}
}

// TestUntilEOFParent: cancelling the parent context ends it too.
func TestUntilEOFParent(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	parent, cancel := context.WithCancel(context.Background())
	ctx := untilEOF(parent, r)
	cancel()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("context still alive 10s after its parent was cancelled")
	}
}
