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
	"time"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/viewer"
)

// uiFlags are the flags of the web viewer, shared by ui and quickstart --ui.
type uiFlags struct {
	host      string
	port      int
	noBrowser bool
}

func (f *uiFlags) add(c *cobra.Command) {
	c.Flags().StringVar(&f.host, "host", "127.0.0.1", "the address to listen on (anything but loopback exposes the store to the network)")
	c.Flags().IntVar(&f.port, "port", 5000, "the port to listen on (0: any free port)")
	c.Flags().BoolVar(&f.noBrowser, "no-browser", false, "do not open a browser")
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

// serveUI serves the viewer of db until ctx is done (SIGINT or SIGTERM),
// then shuts the server down; the caller closes the store.
func (a *app) serveUI(ctx context.Context, db *mlite.DB, f uiFlags) error {
	if f.port < 0 || f.port > 65535 {
		return usagef("--port %d: want 0 to 65535", f.port)
	}
	v, err := viewer.New(db, &viewer.Options{})
	if err != nil {
		return err
	}
	if !isLoopback(f.host) {
		fmt.Fprintf(a.stderr, "mlite: warning: listening on %s: anyone who can reach it can read the whole store (the viewer has no authentication)\n", f.host)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(f.host, strconv.Itoa(f.port)))
	if err != nil {
		return err
	}
	host := f.host
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	url := "http://" + net.JoinHostPort(host, port) + "/"
	a.out.printf("mlite: serving %s at %s (Ctrl-C to stop)\n", db.Path(), url)
	srv := &http.Server{Handler: v, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if !f.noBrowser && isTerminal(a.stdout) {
		if err := openBrowser(url); err != nil {
			fmt.Fprintf(a.stderr, "mlite: could not open a browser (%v); open %s\n", err, url)
		}
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
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
