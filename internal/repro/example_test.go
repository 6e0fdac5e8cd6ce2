package repro_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/mlite/mlite/internal/repro"
)

func ExampleCapture() {
	tags := repro.Capture(context.Background(), &repro.Options{
		User:  "ada",
		Args:  []string{"/usr/local/bin/train", "--lr", "0.01", "--note", "first try"},
		NoGit: true, // in a work tree: also mlflow.source.git.commit, .branch, .repoURL
	})
	for _, k := range []string{repro.TagUser, repro.TagSourceName, repro.TagSourceType, repro.TagCmdline} {
		fmt.Printf("%s = %s\n", k, tags[k])
	}
	// Output:
	// mlflow.user = ada
	// mlflow.source.name = /usr/local/bin/train
	// mlflow.source.type = LOCAL
	// mlite.cmdline = /usr/local/bin/train --lr 0.01 --note 'first try'
}

func ExampleGitState() {
	ctx := context.Background()
	tags := repro.Capture(ctx, nil) // at run start: fast, never fails

	var wg sync.WaitGroup
	wg.Go(func() { // in the background: it runs git
		dirty, diff, ok, err := repro.GitState(ctx, "")
		if !ok || err != nil {
			return // no git, no work tree, or git failed: record nothing
		}
		// Set repro.TagGitDirty to fmt.Sprint(dirty) on the run and keep
		// diff (as repro.TagGitDiff when it fits, else as an artifact).
		_, _ = dirty, diff
	})
	wg.Wait() // the run waits for it before it ends
	_ = tags
}
