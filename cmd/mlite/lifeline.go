package main

import (
	"context"
	"io"
	"os"
)

// The --exit-with-stdin flag of ui and server ties a server's life to the
// process that started it: that process holds the write end of the
// server's standard input and never writes to it, and when it exits, by
// any means including SIGKILL, the operating system closes the pipe and
// the server stops as on Ctrl-C. mlite_mlflow, the Python package behind
// MLflow's mlite: tracking URI, starts its private servers this way.

// untilEOF returns a context that is cancelled when ctx is, or when
// reading r ends (end of file or an error), whichever comes first.
func untilEOF(ctx context.Context, r io.Reader) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer cancel()
		_, _ = io.Copy(io.Discard, r)
	}()
	return ctx
}

// lifeline is untilEOF on the process's standard input when on is set,
// and ctx unchanged otherwise.
func lifeline(ctx context.Context, on bool) context.Context {
	if !on {
		return ctx
	}
	return untilEOF(ctx, os.Stdin)
}
