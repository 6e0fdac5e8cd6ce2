package report

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/run"
)

// Options tune a report. The zero value of every field means its default.
type Options struct {
	// Title heads the report. Zero: named after what it shows.
	Title string
	// Points is about how many points each run's curve of a metric keeps
	// (spikes are kept). Zero: 600.
	Points int
	// MaxPreview bounds the bytes of one artifact shown inline (text read,
	// image embedded). Zero: 2 MiB.
	MaxPreview int64
	// MaxPreviews bounds how many artifacts of a run are previewed. Zero:
	// 12.
	MaxPreviews int
	// Now stamps the report. Zero: time.Now.
	Now func() time.Time
}

func (o *Options) withDefaults() Options {
	r := Options{Points: 600, MaxPreview: 2 << 20, MaxPreviews: 12, Now: time.Now}
	if o == nil {
		return r
	}
	if o.Title != "" {
		r.Title = o.Title
	}
	if o.Points > 0 {
		r.Points = o.Points
	}
	if o.MaxPreview > 0 {
		r.MaxPreview = o.MaxPreview
	}
	if o.MaxPreviews > 0 {
		r.MaxPreviews = o.MaxPreviews
	}
	if o.Now != nil {
		r.Now = o.Now
	}
	return r
}

// ErrNoRuns is returned by Runs when it is given no run.
var ErrNoRuns = errors.New("report: no run to report on")

// Runs writes the report of one run, or the comparison of several, to w.
func Runs(ctx context.Context, w io.Writer, tr *run.Tracker, ids []run.ID, opts *Options) error {
	if len(ids) == 0 {
		return ErrNoRuns
	}
	o := opts.withDefaults()
	b := &builder{ctx: ctx, tr: tr, o: o}
	p := &page{}
	for _, id := range ids {
		rec, err := tr.GetRun(ctx, id)
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		p.Runs = append(p.Runs, b.runSection(rec, len(p.Runs)))
	}
	if err := b.fillRuns(p); err != nil {
		return err
	}
	p.Title = o.Title
	if p.Title == "" {
		p.Title = "Run " + p.Runs[0].Name
		if len(p.Runs) > 1 {
			p.Title = fmt.Sprintf("Comparison of %d runs", len(p.Runs))
		}
	}
	return b.write(w, p)
}

// Version writes the report of version v of registered model name: the
// version, its signature and lineage, and the report of its source run
// when the run still exists.
func Version(ctx context.Context, w io.Writer, tr *run.Tracker, reg *registry.Registry, name string, v int64, opts *Options) error {
	o := opts.withDefaults()
	b := &builder{ctx: ctx, tr: tr, o: o}
	lin, err := reg.Lineage(ctx, name, v)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	p := &page{Version: b.versionSection(ctx, reg, lin)}
	if lin.Run != nil {
		p.Runs = append(p.Runs, b.runSection(lin.Run, 0))
		if err := b.fillRuns(p); err != nil {
			return err
		}
	}
	p.Title = o.Title
	if p.Title == "" {
		p.Title = fmt.Sprintf("%s version %d", name, v)
	}
	return b.write(w, p)
}

// page is what the template renders.
type page struct {
	Title     string
	Generated string
	Version   *versionSection
	Runs      []*runSection
	Params    []row // one row per param key, a cell per run
	Metrics   []row // latest values
	Charts    []chart
	Compare   bool
}

type row struct {
	Key     string
	Cells   []string
	Differs bool
}

type runSection struct {
	Name, ID, Experiment, Status, User, Start, Duration, Color string
	Git                                                        []kv
	Tags                                                       []kv
	Inputs                                                     []string
	Files                                                      []file
	Previews                                                   []preview
	rec                                                        *run.Record
}

type kv struct{ Key, Value string }

type file struct {
	Path, Size string
}

type preview struct {
	Path  string
	Text  string
	Image template.URL
	Cut   bool
}

type versionSection struct {
	Name, Version, Stage, Aliases, Source, Created, Description, ModelID string
	Tags                                                                 []kv
	Inputs, Outputs                                                      []sigRow
	Params                                                               []sigRow
	Git                                                                  []kv
	Events                                                               []kv
	Files                                                                []file
}

type sigRow struct{ Name, Type, Required string }

type builder struct {
	ctx context.Context
	tr  *run.Tracker
	o   Options
}

// palette colours the runs' curves; readable on light and dark backgrounds.
var palette = []string{"#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac"}

func (b *builder) runSection(rec *run.Record, i int) *runSection {
	s := &runSection{
		Name: rec.Name, ID: rec.ID.String(), Status: rec.Status.String(), User: rec.User,
		Start: fmtTime(rec.StartTime), Color: palette[i%len(palette)], rec: rec,
	}
	if exp, err := b.tr.GetExperiment(b.ctx, rec.ExperimentID); err == nil {
		s.Experiment = exp.Name
	}
	if rec.EndTime > 0 {
		s.Duration = (time.Duration(rec.EndTime-rec.StartTime) * time.Millisecond).Round(time.Millisecond).String()
	}
	for _, k := range slices.Sorted(maps.Keys(rec.Tags)) {
		switch {
		case strings.HasPrefix(k, "mlflow.source.git."):
			s.Git = append(s.Git, kv{strings.TrimPrefix(k, "mlflow.source.git."), rec.Tags[k]})
		case k == "mlflow.source.name" || k == "mlflow.user":
			s.Git = append(s.Git, kv{strings.TrimPrefix(k, "mlflow."), rec.Tags[k]})
		case strings.HasPrefix(k, "mlflow.") || strings.HasPrefix(k, "mlite."):
		default:
			s.Tags = append(s.Tags, kv{k, rec.Tags[k]})
		}
	}
	for _, in := range rec.Inputs {
		what := in.Name
		if in.Digest != "" {
			what += " (digest " + in.Digest + ")"
		}
		if c := in.Tags["mlflow.data.context"]; c != "" {
			what += ", " + c
		}
		s.Inputs = append(s.Inputs, what)
	}
	return s
}

// fillRuns reads what the run sections share: the params and metrics
// tables, the charts and the artifacts.
func (b *builder) fillRuns(p *page) error {
	p.Compare = len(p.Runs) > 1
	p.Generated = b.o.Now().UTC().Format("2006-01-02 15:04 UTC")
	params, metrics := map[string]bool{}, map[string]bool{}
	for _, s := range p.Runs {
		for k := range s.rec.Params {
			params[k] = true
		}
		for k := range s.rec.Metrics {
			metrics[k] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(params)) {
		r := row{Key: k}
		for _, s := range p.Runs {
			v, ok := s.rec.Params[k]
			if !ok {
				v = "—"
			}
			r.Cells = append(r.Cells, v)
		}
		r.Differs = p.Compare && slices.ContainsFunc(r.Cells, func(c string) bool { return c != r.Cells[0] })
		p.Params = append(p.Params, r)
	}
	ids := make([]run.ID, len(p.Runs))
	for i, s := range p.Runs {
		ids[i] = s.rec.ID
	}
	for _, k := range slices.Sorted(maps.Keys(metrics)) {
		r := row{Key: k}
		for _, s := range p.Runs {
			if m := s.rec.Metrics[k]; m != nil {
				r.Cells = append(r.Cells, fmtFloat(m.Latest.Value))
			} else {
				r.Cells = append(r.Cells, "—")
			}
		}
		r.Differs = p.Compare && slices.ContainsFunc(r.Cells, func(c string) bool { return c != r.Cells[0] })
		p.Metrics = append(p.Metrics, r)
		if !slices.ContainsFunc(p.Runs, func(s *runSection) bool { m := s.rec.Metrics[k]; return m != nil && m.Count > 1 }) {
			continue // one value per run: the table says it all
		}
		pts, err := b.tr.Downsample(b.ctx, ids, k, run.AllSteps, b.o.Points)
		if err != nil {
			return fmt.Errorf("report: metric %s: %w", k, err)
		}
		var lines []line
		for _, s := range p.Runs {
			if ps := pts[s.rec.ID]; len(ps) > 0 {
				lines = append(lines, line{Name: s.Name, Color: s.Color, Points: ps})
			}
		}
		if c := drawChart(k, lines); c.SVG != "" {
			p.Charts = append(p.Charts, c)
		}
	}
	for _, s := range p.Runs {
		if err := b.artifacts(s); err != nil {
			return err
		}
	}
	return nil
}

// artifacts lists a run's files and reads previews of its images and
// text files; a run whose files are remote (s3://...) shows none.
func (b *builder) artifacts(s *runSection) error {
	files, err := b.tr.ListArtifacts(b.ctx, s.rec.ID, "", true)
	if errors.Is(err, run.ErrRemoteArtifacts) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("report: artifacts of run %s: %w", s.ID, err)
	}
	for _, f := range files {
		if f.IsDir {
			continue
		}
		s.Files = append(s.Files, file{Path: f.Path, Size: fmtSize(f.Size)})
		if len(s.Previews) >= b.o.MaxPreviews {
			continue
		}
		kind := previewKind(f.Path)
		if kind == "" || (kind != "text" && f.Size > b.o.MaxPreview) {
			continue
		}
		rc, err := b.tr.OpenArtifact(b.ctx, s.rec.ID, f.Path)
		if err != nil {
			return fmt.Errorf("report: artifact %s of run %s: %w", f.Path, s.ID, err)
		}
		s.Previews = append(s.Previews, readPreview(rc, f.Path, kind, b.o.MaxPreview))
	}
	return nil
}

// previewKind says how an artifact is shown inline: "image", "text" or
// not at all ("").
func previewKind(p string) string {
	ext := strings.ToLower(path.Ext(p))
	switch {
	case imageTypes[ext] != "":
		return "image"
	case textExts[ext] || path.Base(p) == "MLmodel":
		return "text"
	}
	return ""
}

var imageTypes = map[string]string{".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}

var textExts = map[string]bool{".txt": true, ".log": true, ".md": true, ".json": true, ".yaml": true, ".yml": true, ".csv": true, ".tsv": true, ".diff": true, ".py": true, ".go": true, ".toml": true, ".ini": true}

// readPreview reads at most limit bytes of an artifact for display and
// closes rc.
func readPreview(rc io.ReadCloser, p, kind string, limit int64) preview {
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	pv := preview{Path: p}
	if err != nil {
		pv.Text = "(could not be read: " + err.Error() + ")"
		return pv
	}
	if kind == "image" {
		pv.Image = template.URL("data:" + imageTypes[strings.ToLower(path.Ext(p))] + ";base64," + base64.StdEncoding.EncodeToString(b))
		return pv
	}
	const textLimit = 64 << 10
	if len(b) > textLimit {
		b, pv.Cut = b[:textLimit], true
		for len(b) > 0 && !utf8.Valid(b[len(b)-min(len(b), 3):]) {
			b = b[:len(b)-1] // a character cut at the end
		}
	}
	pv.Text = strings.ToValidUTF8(string(b), "\uFFFD")
	return pv
}

func (b *builder) versionSection(ctx context.Context, reg *registry.Registry, lin *registry.Lineage) *versionSection {
	v := lin.Version
	s := &versionSection{
		Name: v.Name, Version: fmt.Sprint(v.Version), Stage: v.Stage.String(), Source: v.Source,
		Created: fmtTime(v.CreationTime), Description: v.Description,
	}
	if v.ModelID != ([16]byte{}) {
		s.ModelID = v.ModelID.String()
	}
	var aliases []string
	for a, n := range lin.Model.Aliases {
		if n == v.Version {
			aliases = append(aliases, "@"+a)
		}
	}
	slices.Sort(aliases)
	s.Aliases = strings.Join(aliases, " ")
	for _, k := range slices.Sorted(maps.Keys(v.Tags)) {
		s.Tags = append(s.Tags, kv{k, v.Tags[k]})
	}
	g := lin.Git
	for _, x := range []kv{{"commit", g.Commit}, {"branch", g.Branch}, {"repository", g.Repo}} {
		if x.Value != "" {
			s.Git = append(s.Git, x)
		}
	}
	if g.Dirty {
		s.Git = append(s.Git, kv{"working tree", "had uncommitted changes"})
	}
	for _, e := range lin.Events {
		what := e.Action
		if e.Key != "" {
			what += " " + e.Key
		}
		if e.From != "" || e.To != "" {
			what += ": " + e.From + " → " + e.To
		}
		s.Events = append(s.Events, kv{fmtTime(e.Time) + " " + e.User, what})
	}
	best := ""
	for _, f := range lin.Files {
		s.Files = append(s.Files, file{Path: f.Path, Size: fmtSize(f.Size)})
		if path.Base(f.Path) == "MLmodel" && (best == "" || len(f.Path) < len(best)) {
			best = f.Path
		}
	}
	if best != "" {
		if rc, err := reg.OpenFile(ctx, v.Name, v.Version, best); err == nil {
			m, err := mlmodel.Decode(io.LimitReader(rc, 4<<20))
			rc.Close()
			if err == nil && m.Signature != nil {
				s.Inputs = schemaRows(m.Signature.Inputs)
				s.Outputs = schemaRows(m.Signature.Outputs)
				if ps := m.Signature.Params; ps != nil {
					for _, p := range ps.Params {
						s.Params = append(s.Params, sigRow{Name: p.Name, Type: p.Type.String(), Required: "default " + fmt.Sprint(p.Default)})
					}
				}
			}
		}
	}
	return s
}

// schemaRows lists a schema's columns or tensors.
func schemaRows(sc *mlmodel.Schema) []sigRow {
	if sc == nil {
		return nil
	}
	var rows []sigRow
	for _, c := range sc.Cols {
		req := "required"
		if !c.Required {
			req = "optional"
		}
		rows = append(rows, sigRow{Name: c.Name, Type: c.Type.String(), Required: req})
	}
	for _, t := range sc.Tensors {
		rows = append(rows, sigRow{Name: t.Name, Type: fmt.Sprintf("tensor %s %v", t.DType, t.Shape), Required: "required"})
	}
	return rows
}

func (b *builder) write(w io.Writer, p *page) error {
	if p.Generated == "" {
		p.Generated = b.o.Now().UTC().Format("2006-01-02 15:04 UTC")
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: write: %w", err)
	}
	return nil
}

func fmtTime(ms int64) string {
	if ms <= 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05 UTC")
}

// fmtFloat writes v with six significant digits; fmt's %g already names
// the non-finite values NaN, +Inf and -Inf.
func fmtFloat(v float64) string { return fmt.Sprintf("%.6g", v) }

func fmtSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
