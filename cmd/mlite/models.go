package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/run"
)

// aliasesOf returns the aliases of model m that point at version v, sorted.
func aliasesOf(m *registry.RegisteredModel, v int64) []string {
	out := []string{}
	if m == nil {
		return out
	}
	for _, k := range sortedKeys(m.Aliases) {
		if m.Aliases[k] == v {
			out = append(out, k)
		}
	}
	return out
}

// parseVersion reads a version number argument.
func parseVersion(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 1 {
		return 0, usagef("version %q: want a positive number", s)
	}
	return v, nil
}

// stageStyle colours a stage.
func stageStyle(s registry.Stage) string {
	switch s {
	case registry.Production:
		return styleGreen
	case registry.Staging:
		return styleYellow
	case registry.Archived:
		return styleDim
	}
	return ""
}

func (a *app) modelsLs() *cobra.Command {
	var (
		filter  string
		orderBy []string
		maxN    int
	)
	c := command("ls", "List registered models with their newest, Staging and Production versions",
		`  mlite models ls
  mlite models ls --filter "name LIKE 'Credit%'" --json`,
		cobra.NoArgs, func(ctx context.Context, c *cobra.Command, _ []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			reg := db.Registry()
			models, next, err := reg.SearchModels(ctx, registry.SearchOptions{Filter: filter, OrderBy: orderBy, MaxResults: maxN})
			if err != nil {
				return err
			}
			latest := make([][]*registry.ModelVersion, len(models))
			for i, m := range models {
				if latest[i], err = reg.LatestVersions(ctx, m.Name, nil); err != nil {
					return err
				}
			}
			if next != "" {
				defer fmt.Fprintf(a.stderr, "mlite: more models match; showing the first %d (raise --max)\n", len(models))
			}
			if a.jsonOut {
				js := make([]modelJSON, 0, len(models))
				for i, m := range models {
					js = append(js, toModelJSON(m, latest[i]))
				}
				return a.out.json(js)
			}
			header := []string{"name", "latest_version", "staging", "production", "aliases", "last_updated_timestamp", "description"}
			t := &table{header: []string{"NAME", "LATEST", "STAGING", "PRODUCTION", "ALIASES", "UPDATED", "DESCRIPTION"}}
			var rows [][]string
			for i, m := range models {
				var newest int64
				stage := map[registry.Stage]string{}
				for _, v := range latest[i] {
					newest = max(newest, v.Version)
					stage[v.Stage] = strconv.FormatInt(v.Version, 10)
				}
				var al []string
				for _, k := range sortedKeys(m.Aliases) {
					al = append(al, fmt.Sprintf("%s=%d", k, m.Aliases[k]))
				}
				n := "-"
				if newest > 0 {
					n = strconv.FormatInt(newest, 10)
				}
				t.add(m.Name, n, dash(stage[registry.Staging]), dash(stage[registry.Production]), strings.Join(al, " "),
					formatTime(m.LastUpdatedTime), m.Description)
				rows = append(rows, []string{m.Name, n, stage[registry.Staging], stage[registry.Production], strings.Join(al, " "),
					strconv.FormatInt(m.LastUpdatedTime, 10), m.Description})
			}
			if a.csvOut {
				return a.out.csv(header, rows)
			}
			if len(models) == 0 {
				fmt.Fprintln(a.stderr, "mlite: no registered models")
				return nil
			}
			a.out.table(t)
			return nil
		})
	listing(c)
	f := c.Flags()
	f.StringVarP(&filter, "filter", "f", "", "a filter on name and tags, e.g. \"name LIKE 'Credit%'\"")
	f.StringArrayVarP(&orderBy, "order-by", "o", nil, "an order, e.g. \"last_updated_timestamp DESC\" (repeatable)")
	f.IntVarP(&maxN, "max", "n", 100, "the most models to list")
	return c
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// openVersions parses the VERSION arguments versions, then (with no usage
// error found) opens the store.
func (a *app) openVersions(ctx context.Context, versions ...string) (*mlite.DB, []int64, error) {
	ns := make([]int64, len(versions))
	for i, v := range versions {
		n, err := parseVersion(v)
		if err != nil {
			return nil, nil, err
		}
		ns[i] = n
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return nil, nil, err
	}
	return db, ns, nil
}

// openModel opens the store and reads registered model name with its
// versions, in version order, at one moment.
func (a *app) openModel(ctx context.Context, name string) (*mlite.DB, *registry.RegisteredModel, []*registry.ModelVersion, error) {
	db, err := a.openDB(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	var (
		m        *registry.RegisteredModel
		versions []*registry.ModelVersion
	)
	err = db.Registry().Snapshot(ctx, func(s *registry.Snapshot) (err error) {
		if m, err = s.Model(name); err != nil {
			return err
		}
		versions, err = s.Versions(m.Name)
		return err
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("registry: %w", err)
	}
	return db, m, versions, nil
}

func (a *app) modelsShow() *cobra.Command {
	return command("show NAME", "Show a registered model: description, tags, aliases, gates and versions",
		`  mlite models show CreditDefaultModel
  mlite models show CreditDefaultModel --json`,
		cobra.ExactArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, m, versions, err := a.openModel(ctx, args[0])
			if err != nil {
				return err
			}
			gates, err := db.Registry().Gates(ctx, m.Name)
			if err != nil {
				return err
			}
			if a.jsonOut {
				latest, err := db.Registry().LatestVersions(ctx, m.Name, nil)
				if err != nil {
					return err
				}
				gs := []gateJSON{}
				for _, g := range gates {
					gs = append(gs, toGateJSON(g))
				}
				return a.out.json(struct {
					modelJSON
					Versions []versionJSON `json:"versions"`
					Gates    []gateJSON    `json:"gates"`
				}{toModelJSON(m, latest), toVersionsJSON(versions, m), gs})
			}
			info := &table{}
			info.add("Model", m.Name)
			if m.Description != "" {
				info.add("Description", m.Description)
			}
			info.add("Created", formatTime(m.CreationTime))
			info.add("Updated", formatTime(m.LastUpdatedTime))
			for _, k := range sortedKeys(m.Tags) {
				info.add("Tag", k+"="+m.Tags[k])
			}
			for _, k := range sortedKeys(m.Aliases) {
				info.add("Alias", fmt.Sprintf("@%s -> version %d", k, m.Aliases[k]))
			}
			for _, g := range gates {
				info.add("Gate", g.Target+": "+strings.Join(gateRequirements(g), ", "))
			}
			a.out.table(info)
			a.section("Versions", len(versions))
			a.printSection(a.versionsTable(ctx, db, m, versions))
			return nil
		})
}

// versionsTable lays versions out: number, stage, aliases, status, source
// run (by name when it still exists), creation time and source.
func (a *app) versionsTable(ctx context.Context, db *mlite.DB, m *registry.RegisteredModel, versions []*registry.ModelVersion) *table {
	t := &table{header: []string{"VERSION", "STAGE", "ALIASES", "STATUS", "RUN", "CREATED", "SOURCE"}}
	for _, v := range versions {
		runName := v.RunID
		if id, err := run.ParseID(v.RunID); err == nil {
			if r, err := db.GetRun(ctx, id); err == nil {
				runName = r.Name
			}
		}
		al := aliasesOf(m, v.Version)
		for i := range al {
			al[i] = "@" + al[i]
		}
		t.add(strconv.FormatInt(v.Version, 10), v.Stage.String(), strings.Join(al, " "), v.Status.String(),
			runName, formatTime(v.CreationTime), v.Source)
	}
	t.cellStyle = func(i, j int) string {
		if j == 1 {
			return stageStyle(versions[i].Stage)
		}
		return ""
	}
	return t
}

func (a *app) modelsVersions() *cobra.Command {
	c := command("versions NAME", "List a model's versions",
		`  mlite models versions CreditDefaultModel
  mlite models versions CreditDefaultModel --csv`,
		cobra.ExactArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, m, versions, err := a.openModel(ctx, args[0])
			if err != nil {
				return err
			}
			switch {
			case a.jsonOut:
				return a.out.json(toVersionsJSON(versions, m))
			case a.csvOut:
				var rows [][]string
				for _, v := range versions {
					rows = append(rows, []string{v.Name, strconv.FormatInt(v.Version, 10), v.Stage.String(),
						strings.Join(aliasesOf(m, v.Version), " "), v.Status.String(), v.RunID, v.Source,
						strconv.FormatInt(v.CreationTime, 10)})
				}
				return a.out.csv([]string{"name", "version", "current_stage", "aliases", "status", "run_id", "source", "creation_timestamp"}, rows)
			}
			a.out.table(a.versionsTable(ctx, db, m, versions))
			return nil
		})
	csvOK(c)
	return c
}

func (a *app) modelsRegister() *cobra.Command {
	return command("register RUN_URI NAME", "Register a run's model folder as a new version of a model",
		`  mlite models register runs:/lgbm_smote/model CreditDefaultModel
  mlite models register runs:/3f2a9c0d4e5b4a7f8e1d2c3b4a596877/model CreditDefaultModel`,
		cobra.ExactArgs(2), func(ctx context.Context, c *cobra.Command, args []string) error {
			rest, ok := strings.CutPrefix(args[0], "runs:/")
			if !ok {
				return usagef("%q: want runs:/RUN/PATH (RUN a run id or unique run name)", args[0])
			}
			runRef, p, _ := strings.Cut(rest, "/")
			db, r, err := a.openRun(ctx, runRef)
			if err != nil {
				return err
			}
			v, err := db.Registry().CreateVersion(ctx, args[1], "runs:/"+r.ID.String()+"/"+p, r.ID.String())
			if err != nil {
				return err
			}
			return a.doneVersion(ctx, db, v, "registered %s version %d from %s (run %s)", v.Name, v.Version, v.Source, r.Name)
		})
}

func (a *app) modelsTransition() *cobra.Command {
	var archive bool
	c := command("transition NAME VERSION STAGE", "Move a version to a stage: None, Staging, Production or Archived",
		`  mlite models transition CreditDefaultModel 3 Staging
  mlite models transition CreditDefaultModel 3 Production --archive-existing`,
		cobra.ExactArgs(3), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, vs, err := a.openVersions(ctx, args[1])
			if err != nil {
				return err
			}
			n := vs[0]
			if err := registerShadowChecks(ctx, db, args[0]); err != nil {
				return err
			}
			v, err := db.Registry().TransitionStage(ctx, args[0], n, args[2], archive)
			if err != nil {
				return err
			}
			return a.doneVersion(ctx, db, v, "%s version %d is now in %s", v.Name, v.Version, a.out.paint(stageStyle(v.Stage), v.Stage.String()))
		})
	c.Flags().BoolVar(&archive, "archive-existing", false, "archive the model's other versions in that stage (Staging and Production only)")
	return c
}

func (a *app) modelsAlias() *cobra.Command {
	var del bool
	c := command("alias NAME ALIAS [VERSION]", "Point an alias (e.g. champion) at a version, or remove it with --delete",
		`  mlite models alias CreditDefaultModel champion 3
  mlite models alias CreditDefaultModel challenger --delete`,
		cobra.RangeArgs(2, 3), func(ctx context.Context, c *cobra.Command, args []string) error {
			if del != (len(args) == 2) {
				return usagef("give NAME ALIAS VERSION to set an alias, or NAME ALIAS --delete to remove it")
			}
			var n int64
			if !del {
				var err error
				if n, err = parseVersion(args[2]); err != nil {
					return err
				}
			}
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			reg := db.Registry()
			alias := strings.TrimPrefix(args[1], "@")
			if del {
				if err := reg.DeleteAlias(ctx, args[0], alias); err != nil {
					return err
				}
			} else if err := registerShadowChecks(ctx, db, args[0]); err != nil {
				return err
			} else if err := reg.SetAlias(ctx, args[0], alias, n); err != nil {
				return err
			}
			if a.jsonOut {
				m, err := reg.GetModel(ctx, args[0])
				if err != nil {
					return err
				}
				return a.out.json(map[string]any{"name": m.Name, "aliases": orEmptyAliases(m.Aliases)})
			}
			if del {
				a.out.printf("removed alias @%s of %s\n", alias, args[0])
			} else {
				a.out.printf("%s@%s -> version %d\n", args[0], alias, n)
			}
			return nil
		})
	c.Flags().BoolVar(&del, "delete", false, "remove the alias")
	return c
}

func (a *app) modelsTag() *cobra.Command {
	var version int64
	c := tagCommand("tag NAME [KEY=VALUE...]", "Set or delete tags of a model, or of one version with --version",
		`  mlite models tag CreditDefaultModel team=risk
  mlite models tag CreditDefaultModel --version 3 validation_status=passed
  mlite models tag CreditDefaultModel --version 3 --delete validation_status`,
		func(ctx context.Context, name string) (*tagTarget, error) {
			if version < 0 {
				return nil, usagef("--version %d: want a positive number", version)
			}
			db, err := a.openDB(ctx)
			if err != nil {
				return nil, err
			}
			reg := db.Registry()
			t := &tagTarget{
				set:    func(k, v string) error { return reg.SetModelTag(ctx, name, k, v) },
				remove: func(k string) error { return reg.DeleteModelTag(ctx, name, k) },
			}
			if version > 0 {
				t.set = func(k, v string) error { return reg.SetVersionTag(ctx, name, version, k, v) }
				t.remove = func(k string) error { return reg.DeleteVersionTag(ctx, name, version, k) }
			}
			t.report = func(set, deleted int) error {
				m, err := reg.GetModel(ctx, name)
				if err != nil {
					return err
				}
				what := "model " + name
				if version > 0 {
					what = fmt.Sprintf("%s version %d", name, version)
					v, err := reg.GetVersion(ctx, name, version)
					if err != nil {
						return err
					}
					if a.jsonOut {
						return a.out.json(toVersionJSON(v, m))
					}
				} else if a.jsonOut {
					return a.out.json(toModelJSON(m, nil))
				}
				a.out.printf("tagged %s: %d set, %d deleted\n", what, set, deleted)
				return nil
			}
			return t, nil
		})
	c.Flags().Int64Var(&version, "version", 0, "tag this version rather than the model")
	return c
}

// doneVersion reports a changed version: as JSON (with its aliases) under
// --json, else as the message format and args make.
func (a *app) doneVersion(ctx context.Context, db *mlite.DB, v *registry.ModelVersion, format string, args ...any) error {
	if a.jsonOut {
		m, _ := db.Registry().GetModel(ctx, v.Name)
		return a.out.json(toVersionJSON(v, m))
	}
	a.out.printf(format+"\n", args...)
	return nil
}

func orEmptyAliases(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

func (a *app) modelsGet() *cobra.Command {
	var out string
	c := command("get URI -o DIR", "Download a model version's files (models:/Name/3, models:/Name@champion, models:/Name/Production, runs:/...)",
		`  mlite models get models:/CreditDefaultModel@champion -o ./champion
  mlite models get models:/CreditDefaultModel/Production -o ./prod`,
		cobra.ExactArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			stop := a.spin("downloading")
			v, err := db.Registry().Download(ctx, args[0], out)
			stop()
			if err != nil {
				return err
			}
			if a.jsonOut {
				j := map[string]any{"uri": args[0], "local_path": out}
				if v != nil {
					j["name"], j["version"] = v.Name, v.Version
				}
				return a.out.json(j)
			}
			if v != nil {
				a.out.printf("downloaded %s version %d to %s\n", v.Name, v.Version, out)
			} else {
				a.out.printf("downloaded %s to %s\n", args[0], out)
			}
			return nil
		})
	c.Flags().StringVarP(&out, "output", "o", "", "the local folder to write the files into (created)")
	c.MarkFlagRequired("output")
	return c
}

func (a *app) modelsAudit() *cobra.Command {
	var version int64
	c := command("audit NAME", "Show a model's audit log: every registry change, who, when, from what to what",
		`  mlite models audit CreditDefaultModel
  mlite models audit CreditDefaultModel --version 3 --json`,
		cobra.ExactArgs(1), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			var events []registry.Event
			if version > 0 {
				events, err = db.Registry().VersionAudit(ctx, args[0], version)
			} else {
				events, err = db.Registry().Audit(ctx, args[0])
			}
			if err != nil {
				return err
			}
			return a.printEvents(events)
		})
	csvOK(c)
	c.Flags().Int64Var(&version, "version", 0, "only the events about this version")
	return c
}

// printEvents prints audit events as a table, JSON or CSV.
func (a *app) printEvents(events []registry.Event) error {
	if a.jsonOut {
		js := []eventJSON{}
		for _, e := range events {
			j := eventJSON{Seq: e.Seq, Timestamp: e.Time, UserID: e.User, Action: e.Action, Name: e.Model,
				Version: e.Version, Key: e.Key, From: e.From, To: e.To}
			if len(e.Gates) > 0 {
				j.Gates = toGateResultsJSON(e.Gates)
			}
			js = append(js, j)
		}
		return a.out.json(js)
	}
	t := &table{header: []string{"SEQ", "TIME", "USER", "ACTION", "VERSION", "KEY", "FROM", "TO", "GATE"}}
	var rows [][]string
	for _, e := range events {
		ver := ""
		if e.Version > 0 {
			ver = strconv.FormatInt(e.Version, 10)
		}
		gate := ""
		if len(e.Gates) > 0 {
			passed := 0
			for _, g := range e.Gates {
				if g.Passed {
					passed++
				}
			}
			gate = fmt.Sprintf("%d/%d passed", passed, len(e.Gates))
		}
		seq := strconv.FormatUint(e.Seq, 10)
		t.add(seq, formatTime(e.Time), e.User, e.Action, ver, e.Key, e.From, e.To, gate)
		rows = append(rows, []string{seq, strconv.FormatInt(e.Time, 10), e.User, e.Action, ver, e.Key, e.From, e.To, gate})
	}
	if a.csvOut {
		return a.out.csv([]string{"seq", "timestamp", "user_id", "action", "version", "key", "from", "to", "gates"}, rows)
	}
	a.out.table(t)
	return nil
}

func (a *app) modelsLineage() *cobra.Command {
	return command("lineage NAME VERSION", "Show where a version came from: run, experiment, parent, params, metrics, code, files, history",
		`  mlite models lineage CreditDefaultModel 3
  mlite models lineage CreditDefaultModel 3 --json`,
		cobra.ExactArgs(2), func(ctx context.Context, c *cobra.Command, args []string) error {
			db, vs, err := a.openVersions(ctx, args[1])
			if err != nil {
				return err
			}
			n := vs[0]
			l, err := db.Registry().Lineage(ctx, args[0], n)
			if err != nil {
				return err
			}
			if a.jsonOut {
				return a.out.json(toLineageJSON(l))
			}
			v := l.Version
			info := &table{}
			info.add("Model", fmt.Sprintf("%s version %d", v.Name, v.Version))
			info.add("Stage", v.Stage.String())
			if al := aliasesOf(l.Model, v.Version); len(al) > 0 {
				info.add("Aliases", "@"+strings.Join(al, " @"))
			}
			info.add("Source", v.Source)
			info.add("Registered", formatTime(v.CreationTime)+" by "+v.UserID)
			if l.Run == nil {
				info.add("Run", v.RunID+" (purged)")
			} else {
				info.add("Run", fmt.Sprintf("%s (%s), %s, %s", l.Run.Name, l.Run.ID, l.Run.Status, formatDuration(runDuration(l.Run))))
				if l.Experiment != nil {
					info.add("Experiment", fmt.Sprintf("%s (%s)", l.Experiment.Name, l.Experiment.ID))
				}
				if l.Parent != nil {
					info.add("Parent run", fmt.Sprintf("%s (%s)", l.Parent.Name, l.Parent.ID))
				}
			}
			if l.Git.Commit != "" {
				g := l.Git.Commit
				if l.Git.Branch != "" {
					g += " on " + l.Git.Branch
				}
				if l.Git.Dirty {
					g += " (dirty)"
				}
				if l.Git.Repo != "" {
					g += " in " + l.Git.Repo
				}
				info.add("Code", g)
			}
			a.out.table(info)
			if l.Run != nil {
				a.section("Params", len(l.Run.Params))
				t := &table{header: []string{"KEY", "VALUE"}}
				for _, k := range sortedKeys(l.Run.Params) {
					t.add(k, l.Run.Params[k])
				}
				a.printSection(t)
				a.section("Metrics", len(l.Run.Metrics))
				t = &table{header: []string{"KEY", "LATEST"}}
				for _, k := range sortedKeys(l.Run.Metrics) {
					t.add(k, formatFloat(l.Run.Metrics[k].Latest.Value))
				}
				a.printSection(t)
			}
			a.section("Files", len(l.Files))
			t := &table{header: []string{"PATH", "SIZE"}}
			for _, f := range l.Files {
				t.add(f.Path, formatBytes(f.Size))
			}
			a.printSection(t)
			a.section("History", len(l.Events))
			t = &table{header: []string{"TIME", "USER", "ACTION", "KEY", "FROM", "TO"}}
			for _, e := range l.Events {
				t.add(formatTime(e.Time), e.User, e.Action, e.Key, e.From, e.To)
			}
			a.printSection(t)
			return nil
		})
}

// gateRequirements lists a gate's requirements as text.
func gateRequirements(g registry.Gate) []string {
	var out []string
	for _, k := range sortedKeys(g.RequiredTags) {
		out = append(out, "tag "+k+"="+g.RequiredTags[k])
	}
	if g.MetricFilter != "" {
		out = append(out, g.MetricFilter)
	}
	for _, c := range g.Checks {
		out = append(out, "check "+c)
	}
	return out
}

func (a *app) modelsGate() *cobra.Command {
	var (
		tags   []string
		metric string
		checks []string
		del    bool
		test   int64
	)
	c := command("gate NAME [TARGET]", "Show, set, test or delete a model's promotion gates",
		`  mlite models gate CreditDefaultModel                       # list the gates
  mlite models gate CreditDefaultModel Production --tag validation_status=passed --metric "metrics.auc >= 0.85"
  mlite models gate CreditDefaultModel @champion --metric "metrics.auc >= 0.9"
  mlite models gate CreditDefaultModel Production --test 3   # would version 3 pass? (exit 6 if not)
  mlite models gate CreditDefaultModel Production --delete`,
		cobra.RangeArgs(1, 2), func(ctx context.Context, c *cobra.Command, args []string) error {
			setting := len(tags) > 0 || metric != "" || len(checks) > 0
			modes := 0
			for _, on := range []bool{setting, del, test != 0} {
				if on {
					modes++
				}
			}
			if modes > 1 {
				return usagef("give requirements (--tag, --metric, --check), --delete or --test, one at a time")
			}
			if modes == 1 && len(args) < 2 {
				return usagef("give the gate's TARGET: a stage (Production) or @alias")
			}
			tm, err := parseKV(tags)
			if err != nil {
				return err
			}
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			reg := db.Registry()
			name := args[0]
			switch {
			case setting:
				g := registry.Gate{Target: args[1], RequiredTags: tm, MetricFilter: metric, Checks: checks}
				if err := reg.SetGate(ctx, name, g); err != nil {
					return err
				}
			case del:
				if err := reg.DeleteGate(ctx, name, args[1]); err != nil {
					return err
				}
				if a.jsonOut {
					return a.out.json(map[string]any{"name": name, "target": args[1], "deleted": true})
				}
				a.out.printf("deleted the %s gate of %s\n", args[1], name)
				return nil
			case test != 0:
				if err := registerShadowChecks(ctx, db, name); err != nil {
					return err
				}
				results, err := reg.CheckGate(ctx, name, test, args[1])
				if err != nil {
					return err
				}
				return a.printGateResults(name, test, args[1], results)
			}
			gates, err := reg.Gates(ctx, name)
			if err != nil {
				return err
			}
			if len(args) > 1 {
				gates = slices.DeleteFunc(gates, func(g registry.Gate) bool { return !sameTarget(g.Target, args[1]) })
				if len(gates) == 0 {
					return &sentinelError{msg: fmt.Sprintf("model %s has no gate for %s", name, args[1]), err: mlite.ErrNotFound}
				}
			}
			if a.jsonOut {
				gs := []gateJSON{}
				for _, g := range gates {
					gs = append(gs, toGateJSON(g))
				}
				return a.out.json(gs)
			}
			if len(gates) == 0 {
				fmt.Fprintf(a.stderr, "mlite: model %s has no gates\n", name)
				return nil
			}
			t := &table{header: []string{"TARGET", "REQUIREMENTS"}}
			for _, g := range gates {
				t.add(g.Target, strings.Join(gateRequirements(g), ", "))
			}
			a.out.table(t)
			return nil
		})
	f := c.Flags()
	f.StringArrayVar(&tags, "tag", nil, "a version tag the version must carry, key=value (repeatable)")
	f.StringVar(&metric, "metric", "", "a runs filter the source run must match, e.g. \"metrics.auc >= 0.9\"")
	f.StringArrayVar(&checks, "check", nil, "a Go check the version must pass, registered by the program (repeatable)")
	f.BoolVar(&del, "delete", false, "delete the gate for TARGET")
	f.Int64Var(&test, "test", 0, "evaluate the gate against this version without changing anything")
	return c
}

// sameTarget compares gate targets: stages case-insensitively, aliases
// exactly.
func sameTarget(a, b string) bool {
	if strings.HasPrefix(a, "@") || strings.HasPrefix(b, "@") {
		return a == b
	}
	return strings.EqualFold(a, b)
}

// printGateResults prints a gate dry run; a failed one is exit code 6.
func (a *app) printGateResults(name string, v int64, target string, results []registry.GateResult) error {
	passed := true
	for _, r := range results {
		passed = passed && r.Passed
	}
	if a.jsonOut {
		if err := a.out.json(map[string]any{"name": name, "version": v, "target": target, "passed": passed, "results": toGateResultsJSON(results)}); err != nil {
			return err
		}
	} else {
		if len(results) == 0 {
			a.out.printf("%s has no gate for %s: version %d may enter it\n", name, target, v)
			return nil
		}
		t := &table{header: []string{"", "REQUIREMENT", "DETAIL"}}
		for _, r := range results {
			if r.Passed {
				t.addStyled(styleGreen, "ok", r.Requirement, r.Detail)
			} else {
				t.addStyled(styleRed, "FAIL", r.Requirement, r.Detail)
			}
		}
		a.out.table(t)
	}
	if !passed {
		return &sentinelError{msg: fmt.Sprintf("%s version %d would not pass the %s gate", name, v, target), err: registry.ErrGate}
	}
	if !a.jsonOut {
		a.out.printf("%s version %d passes the %s gate\n", name, v, target)
	}
	return nil
}
