package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite/registry"
)

func (a *app) modelsDiff() *cobra.Command {
	return command("diff NAME V1 V2", "Show what changed between two versions: params, metrics, tags, signature, code, data, environment, files",
		`  mlite models diff CreditDefaultModel 2 3
  mlite models diff CreditDefaultModel 2 3 --json`,
		cobra.ExactArgs(3), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, vs, err := a.openVersions(ctx, args[1], args[2])
			if err != nil {
				return err
			}
			d, err := db.Registry().Diff(ctx, args[0], vs[0], vs[1])
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.out.json(toDiffJSON(d))
			}
			a.printDiff(d)
			return nil
		})
}

// diffSections are a diff's sections in the order shown.
func diffSections(d *registry.VersionDiff) []struct {
	title   string
	changes []registry.Change
} {
	return []struct {
		title   string
		changes []registry.Change
	}{
		{"Params", d.Params}, {"Metrics", d.Metrics}, {"Tags", d.Tags}, {"Signature", d.Signature},
		{"Code", d.Code}, {"Data inputs", d.Inputs}, {"Environment", d.Environment}, {"Files", d.Files},
	}
}

// describeVersion is "version N (run NAME, commit C)".
func describeVersion(l *registry.Lineage) string {
	s := fmt.Sprintf("version %d", l.Version.Version)
	if l.Run != nil {
		s += fmt.Sprintf(" (run %s", l.Run.Name)
		if l.Git.Commit != "" {
			s += ", commit " + shortCommit(l.Git.Commit)
		}
		s += ")"
	}
	return s
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func (a *app) printDiff(d *registry.VersionDiff) {
	a.out.printf("%s: %s -> %s\n", d.Model, describeVersion(d.A), describeVersion(d.B))
	if d.Empty() {
		a.out.printf("No differences.\n")
		return
	}
	v1, v2 := fmt.Sprintf("V%d", d.A.Version.Version), fmt.Sprintf("V%d", d.B.Version.Version)
	for _, s := range diffSections(d) {
		if len(s.changes) == 0 {
			continue
		}
		a.section(s.title, len(s.changes))
		t := &table{header: []string{"", "KEY", v1, v2}}
		for _, c := range s.changes {
			mark := map[string]string{"added": "+", "removed": "-", "changed": "~"}[c.Kind()]
			t.add(mark, c.Key, oneLine(c.Old), oneLine(c.New))
		}
		a.printSection(t)
	}
	if ca, cb := d.A.Git.Commit, d.B.Git.Commit; ca != "" && cb != "" && ca != cb {
		a.out.printf("\nThe code between the commits: git diff %s %s\n", shortCommit(ca), shortCommit(cb))
	}
}

// oneLine shortens a multi-line value (a git diff) to its first line and
// a count.
func oneLine(s string) string {
	first, rest, ok := strings.Cut(s, "\n")
	if !ok {
		return s
	}
	return fmt.Sprintf("%s … (+%d lines)", first, strings.Count(rest, "\n")+1)
}

// diffJSON is the JSON of a diff.
type diffJSON struct {
	Model    string                  `json:"model"`
	Versions [2]int64                `json:"versions"`
	Changes  map[string][]changeJSON `json:"changes"`
	Runs     [2]string               `json:"runs"`
}

type changeJSON struct {
	Key  string `json:"key"`
	Kind string `json:"kind"`
	Old  string `json:"old,omitempty"`
	New  string `json:"new,omitempty"`
}

func toDiffJSON(d *registry.VersionDiff) diffJSON {
	out := diffJSON{Model: d.Model, Versions: [2]int64{d.A.Version.Version, d.B.Version.Version}, Changes: map[string][]changeJSON{}}
	out.Runs = [2]string{d.A.Version.RunID, d.B.Version.RunID}
	for _, s := range diffSections(d) {
		key := strings.ToLower(strings.ReplaceAll(s.title, " ", "_"))
		list := []changeJSON{}
		for _, c := range s.changes {
			list = append(list, changeJSON{Key: c.Key, Kind: c.Kind(), Old: c.Old, New: c.New})
		}
		out.Changes[key] = list
	}
	return out
}
