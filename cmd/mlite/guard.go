package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mlite/mlite/internal/httpguard"
)

// netFlags are the network and safety flags of the commands that serve
// HTTP (ui, server, serve, quickstart --ui).
type netFlags struct {
	host           string
	port           int
	allowedHosts   string
	allowedOrigins string
	authFile       string
}

func (f *netFlags) add(c *cobra.Command, port int, exposure string) {
	c.Flags().StringVar(&f.host, "host", "127.0.0.1", "the address to listen on ("+exposure+")")
	c.Flags().IntVar(&f.port, "port", port, "the port to listen on (0: any free port)")
	c.Flags().StringVar(&f.allowedHosts, "allowed-hosts", "", "comma-separated Host header values to answer, * wildcards allowed, * for any (default: localhost, 127.0.0.1, [::1] and the --host address)")
	c.Flags().StringVar(&f.allowedOrigins, "cors-allowed-origins", "", "comma-separated origins (such as https://notebooks.example.com) whose pages may write through the API, * wildcards allowed (default: loopback only)")
	c.Flags().StringVar(&f.authFile, "auth-file", "", "require credentials from this file (lines: username = …, password = …, token = …); default: $"+httpguard.EnvUsername+", $"+httpguard.EnvPassword+", $"+httpguard.EnvToken)
}

// guard wraps h with httpguard as the flags say, and warns when the server
// can be reached from other machines without credentials; what says what
// anyone could then do.
func (a *app) guard(h http.Handler, f netFlags, what string) (http.Handler, error) {
	creds, err := httpguard.LoadCredentials(f.authFile, os.Getenv)
	if err != nil {
		return nil, usagef("%v", err)
	}
	opts := httpguard.Options{
		AllowedHosts:   splitList(f.allowedHosts),
		AllowedOrigins: splitList(f.allowedOrigins),
		BoundHosts:     boundHosts(f.host),
		Credentials:    creds,
	}
	if !isLoopback(f.host) {
		if creds == nil {
			fmt.Fprintf(a.stderr, "mlite: warning: listening on %s with no credentials: anyone who can reach it can %s (set %s, or %s and %s, or --auth-file)\n",
				f.host, what, httpguard.EnvToken, httpguard.EnvUsername, httpguard.EnvPassword)
		} else {
			fmt.Fprintf(a.stderr, "mlite: note: credentials cross the network in the clear over http: put a TLS proxy in front of %s for other machines\n", f.host)
		}
	}
	return httpguard.New(h, opts), nil
}

// splitList splits a comma-separated flag value; empty gives nil.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// boundHosts are the Host header values that name the listening address:
// the address itself or, for an unspecified one (0.0.0.0, ::), the
// machine's name and addresses.
func boundHosts(host string) []string {
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsUnspecified() {
		if ip != nil && ip.To4() == nil {
			return []string{"[" + host + "]"}
		}
		return []string{host}
	}
	var hosts []string
	if name, err := os.Hostname(); err == nil {
		hosts = append(hosts, name)
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if n.IP.To4() != nil {
				hosts = append(hosts, n.IP.String())
			} else {
				hosts = append(hosts, "["+n.IP.String()+"]")
			}
		}
	}
	return hosts
}
