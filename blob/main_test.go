package blob

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashChildEnv) != "" {
		// The crash test's child: run the one test asked for, and no leak
		// check (it is killed anyway).
		os.Exit(m.Run())
	}
	goleak.VerifyTestMain(m)
}
