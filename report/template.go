package report

import "html/template"

// pageTemplate is the whole report: one file, no external resource (the
// CSP forbids any), light or dark as the reader's system prefers.
var pageTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="generator" content="mlite report">
<title>{{.Title}}</title>
<style>
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1d2330; --muted: #5f6b7a; --line: #d9dee5; --panel: #f5f7fa; --diff: #fff4d6; }
@media (prefers-color-scheme: dark) { :root { --bg: #14171c; --fg: #e4e8ee; --muted: #9aa5b4; --line: #2d333d; --panel: #1c2027; --diff: #3a3220; } }
body { background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; } h3 { font-size: 14px; margin: 16px 0 6px; }
.meta { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: 6px 0; table-layout: auto; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 600; }
tr.differs td { background: var(--diff); }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: var(--panel); padding: 8px; overflow: auto; max-height: 360px; white-space: pre-wrap; overflow-wrap: anywhere; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 16px; }
figure { margin: 0; background: var(--panel); padding: 8px; border-radius: 6px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { width: 100%; height: auto; display: block; }
svg .plot { fill: none; stroke: var(--line); } svg .grid { stroke: var(--line); stroke-dasharray: 2 3; } svg .tick { fill: var(--muted); font-size: 11px; }
.legend span { margin-right: 12px; white-space: nowrap; } .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
img.preview { max-width: 100%; height: auto; background: #fff; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="meta">Written by mlite on {{.Generated}}. Everything is in this file: it opens offline.</p>
{{with .Version}}
<h2>Model version</h2>
<table>
<tr><th>Model</th><td>{{.Name}} version {{.Version}}</td></tr>
<tr><th>Stage</th><td>{{.Stage}}{{if .Aliases}} · {{.Aliases}}{{end}}</td></tr>
<tr><th>Source</th><td><code>{{.Source}}</code></td></tr>
{{if .ModelID}}<tr><th>Logged model</th><td><code>{{.ModelID}}</code></td></tr>{{end}}
<tr><th>Created</th><td>{{.Created}}</td></tr>
{{if .Description}}<tr><th>Description</th><td>{{.Description}}</td></tr>{{end}}
{{range .Tags}}<tr><th>tag {{.Key}}</th><td>{{.Value}}</td></tr>{{end}}
</table>
{{if or .Inputs .Outputs}}<h3>Signature</h3>
<table class="signature"><tr><th>Input</th><th>Type</th><th></th></tr>
{{range .Inputs}}<tr><td>{{.Name}}</td><td>{{.Type}}</td><td>{{.Required}}</td></tr>{{end}}
{{if .Outputs}}<tr><th>Output</th><th>Type</th><th></th></tr>{{range .Outputs}}<tr><td>{{.Name}}</td><td>{{.Type}}</td><td>{{.Required}}</td></tr>{{end}}{{end}}
{{if .Params}}<tr><th>Parameter</th><th>Type</th><th></th></tr>{{range .Params}}<tr><td>{{.Name}}</td><td>{{.Type}}</td><td>{{.Required}}</td></tr>{{end}}{{end}}
</table>{{end}}
{{if .Git}}<h3>Code</h3><table>{{range .Git}}<tr><th>{{.Key}}</th><td><code>{{.Value}}</code></td></tr>{{end}}</table>{{end}}
{{if .Events}}<h3>History</h3><table>{{range .Events}}<tr><td>{{.Key}}</td><td>{{.Value}}</td></tr>{{end}}</table>{{end}}
{{if .Files}}<h3>Files</h3><table>{{range .Files}}<tr><td><code>{{.Path}}</code></td><td>{{.Size}}</td></tr>{{end}}</table>{{end}}
{{end}}
{{if .Runs}}
<h2>{{if .Compare}}Runs{{else if .Version}}Source run{{else}}Run{{end}}</h2>
<table>
<tr><th>Run</th><th>Experiment</th><th>Status</th><th>Started</th><th>Duration</th><th>User</th></tr>
{{range .Runs}}<tr><td><span class="swatch" style="background:{{.Color}}"></span>{{.Name}}<br><code class="meta">{{.ID}}</code></td><td>{{.Experiment}}</td><td>{{.Status}}</td><td>{{.Start}}</td><td>{{.Duration}}</td><td>{{.User}}</td></tr>{{end}}
</table>
{{if .Params}}<h2>Params</h2>
<table><tr><th>Param</th>{{range .Runs}}<th>{{.Name}}</th>{{end}}</tr>
{{range .Params}}<tr{{if .Differs}} class="differs"{{end}}><td><code>{{.Key}}</code></td>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>{{end}}
</table>{{end}}
{{if .Metrics}}<h2>Metrics</h2>
<table><tr><th>Metric (latest)</th>{{range .Runs}}<th>{{.Name}}</th>{{end}}</tr>
{{range .Metrics}}<tr{{if .Differs}} class="differs"{{end}}><td><code>{{.Key}}</code></td>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>{{end}}
</table>{{end}}
{{if .Charts}}<div class="charts">
{{range .Charts}}<figure><figcaption>{{.Title}}</figcaption>{{.SVG}}<div class="legend">{{range .Legend}}<span><span class="swatch" style="background:{{.Color}}"></span>{{.Name}}</span>{{end}}</div></figure>
{{end}}</div>{{end}}
{{range .Runs}}
{{if or .Git .Tags .Inputs .Files}}<h2>{{.Name}}</h2>{{end}}
{{if .Git}}<h3>Code</h3><table>{{range .Git}}<tr><th>{{.Key}}</th><td><code>{{.Value}}</code></td></tr>{{end}}</table>{{end}}
{{if .Tags}}<h3>Tags</h3><table>{{range .Tags}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>{{end}}</table>{{end}}
{{if .Inputs}}<h3>Datasets</h3><ul>{{range .Inputs}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Files}}<h3>Artifacts</h3><table>{{range .Files}}<tr><td><code>{{.Path}}</code></td><td>{{.Size}}</td></tr>{{end}}</table>{{end}}
{{range .Previews}}<h3><code>{{.Path}}</code></h3>{{if .Image}}<img class="preview" alt="{{.Path}}" src="{{.Image}}">{{else}}<pre>{{.Text}}{{if .Cut}}
…{{end}}</pre>{{end}}{{end}}
{{end}}
{{end}}
</body>
</html>
`))
