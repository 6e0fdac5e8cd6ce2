package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/viewer"
)

// uiFlags are the flags of the web viewer, shared by ui, server and
// quickstart --ui.
type uiFlags struct {
	netFlags
	noBrowser bool
	accessLog bool // a line per request on stderr (mlite server without --quiet)
	// exitWithStdin stops the server when its standard input closes
	// (lifeline.go).
	exitWithStdin bool
}

func (f *uiFlags) add(c *cobra.Command) {
	f.netFlags.add(c, 5000, "anything but loopback exposes the store to the network: set credentials")
	c.Flags().BoolVar(&f.noBrowser, "no-browser", false, "do not open a browser")
	c.Flags().BoolVar(&f.exitWithStdin, "exit-with-stdin", false, "stop when standard input closes (for a parent process that starts the server: it stops when the parent exits)")
}

func (a *app) uiCmd() *cobra.Command {
	var f uiFlags
	c := command("ui", "Serve the web viewer of the store on http://127.0.0.1:5000",
		`  mlite ui
  mlite ui --db credit.mlite --port 8080 --no-browser
  mlite ui --host 0.0.0.0      # reachable from other machines: no authentication!`,
		cobra.NoArgs, func(ctx context.Context, c *cobra.Command, _ []string) error {
			db, err := a.openDB(ctx)
			if err != nil {
				return err
			}
			return a.serveUI(ctx, db, f)
		})
	f.add(c)
	return c
}

func (a *app) serverCmd() *cobra.Command {
	f := uiFlags{noBrowser: true}
	var quiet bool
	c := command("server", "Serve MLflow's tracking and registry API (reads and writes) and the viewer",
		`  mlite server
  mlite server --db team.mlite --port 8080
  # then, in Python:
  #   mlflow.set_tracking_uri("http://127.0.0.1:5000")
  #   with mlflow.start_run(): mlflow.log_metric("auc", 0.9)`,
		cobra.NoArgs, func(ctx context.Context, c *cobra.Command, _ []string) error {
			db, err := a.open(ctx, true)
			if err != nil {
				return err
			}
			f.accessLog = !quiet
			return a.serve(ctx, db, f, true)
		})
	c.Long = `Server serves the store as an MLflow tracking server: the unmodified mlflow
client (mlflow.set_tracking_uri("http://127.0.0.1:5000")) logs experiments,
runs, params, metrics, tags, inputs and artifacts into it and uses the model
registry, while the viewer shows it at the same address. It creates the store
if it does not exist. Unlike ui, it takes writes: keep it on loopback unless
everyone who can reach it may change the store.

It writes a line per request to stderr (time, method, path, status and
duration); --quiet leaves them out.

Artifacts live in the store (the blob folder beside it) unless an
experiment is created with an artifact location (MLflow's
artifact_location: a local folder, file://, s3://, ...): then the mlflow
client writes them there itself. --default-artifact-root gives every
experiment created without one such a location, <root>/<experiment id>, as
MLflow's server flag of that name does (and the Default experiment too while
it holds no run).`
	f.add(c)
	c.Flags().BoolVar(&quiet, "quiet", false, "do not log a line per request to stderr")
	c.Flags().StringVar(&a.artifactRoot, "default-artifact-root", "", "keep the artifacts of new experiments under this folder or URI (<root>/<experiment id>), not in the store")
	return c
}

// serveUI serves the viewer of db until ctx is done (SIGINT or SIGTERM),
// then shuts the server down; the caller closes the store.
func (a *app) serveUI(ctx context.Context, db *mlite.DB, f uiFlags) error {
	return a.serve(ctx, db, f, false)
}

// serve serves the viewer of db, with MLflow's API taking writes when
// writes is set (mlite server), until ctx is done.
func (a *app) serve(ctx context.Context, db *mlite.DB, f uiFlags, writes bool) error {
	if f.port < 0 || f.port > 65535 {
		return usagef("--port %d: want 0 to 65535", f.port)
	}
	if writes && a.readOnly {
		// Served read-only, MLflow's API refuses writes with its own error.
		a.out.printf("mlite: %s is read-only: MLflow clients may read, every write is refused\n", db.Path())
		writes = false
	}
	v, err := viewer.New(db, &viewer.Options{MLflowWrites: writes})
	if err != nil {
		return err
	}
	what := "read the whole store"
	if writes {
		what = "read and change the whole store"
	}
	h, err := a.guard(v, f.netFlags, what)
	if err != nil {
		return err
	}
	if f.accessLog {
		h = accessLog(h, a.stderr, time.Now)
	}
	ln, url, err := listen(f.host, f.port)
	if err != nil {
		return err
	}
	url += "/"
	ctx = lifeline(ctx, f.exitWithStdin)
	a.out.printf("mlite: serving %s at %s (Ctrl-C to stop)\n", db.Path(), url)
	if writes {
		a.out.printf("mlite: MLflow clients log here with mlflow.set_tracking_uri(%q)\n", strings.TrimSuffix(url, "/"))
	}
	return a.runServer(ctx, ln, h, func() {
		if !f.noBrowser && isTerminal(a.stdout) {
			if err := openBrowser(url); err != nil {
				fmt.Fprintf(a.stderr, "mlite: could not open a browser (%v); open %s\n", err, url)
			}
		}
	})
}

// listen opens host:port (port 0: any free one) and returns the listener
// and the base URL to show, without a trailing slash; an unspecified host
// (0.0.0.0, ::) is shown as 127.0.0.1.
func listen(host string, port int) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, "", err
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return ln, "http://" + net.JoinHostPort(host, p), nil
}

// runServer serves h on ln, calls started once it serves, and returns
// when ctx is done (SIGINT, SIGTERM) after a graceful shutdown.
func (a *app) runServer(ctx context.Context, ln net.Listener, h http.Handler, started func()) error {
	// Request and response bodies must keep moving (httpguard cuts off a
	// stalled one), so no overall read or write timeout limits how large an
	// artifact may be; headers and idle connections are bounded here.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 1 << 20}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if started != nil {
		started()
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Shutdown waits for requests in flight, and also for connections a
	// client opened but has not sent a request on yet (net/http counts
	// those as busy for their first 5 s; http.Transport dials such spares).
	// Past the grace period the rest are closed: stopping is not a failure.
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdown)
	if errors.Is(err, context.DeadlineExceeded) {
		a.out.printf("mlite: closed the connections still open after 5 s\n")
		err = srv.Close()
	}
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	a.out.printf("mlite: stopped\n")
	return err
}

// isLoopback reports whether host names only this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// openBrowser asks the desktop to open url.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // reap it
	return nil
}
