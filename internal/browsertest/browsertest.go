// Package browsertest starts a headless Chromium for browser tests: New
// finds one on PATH and skips the test without one, or fails it when
// MLITE_BROWSER_REQUIRED=1 (as CI sets, having installed Chromium).
//
// Package browsertest imports no mlite package.
package browsertest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/chromedp"
)

// Path finds a headless-capable Chromium, or skips (fails) t.
func Path(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("MLITE_BROWSER_REQUIRED") == "1" {
		t.Fatal("no Chromium found (chromium, chromium-browser, google-chrome or headless_shell on PATH) and MLITE_BROWSER_REQUIRED=1")
	}
	t.Skip("browser tests skipped: no Chromium on PATH (apt-get install chromium); set MLITE_BROWSER_REQUIRED=1 to make this a failure")
	return ""
}

// Offline makes the browser's network unreachable (every request goes to
// a proxy that does not exist), for pages that must work without one.
var Offline = chromedp.ProxyServer("http://127.0.0.1:9")

// New starts a headless browser of the given window size for the test and
// returns its context; it is stopped when the test ends. extra adds
// options, such as Offline.
func New(t testing.TB, width, height int, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	exe := Path(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.WindowSize(width, height),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	opts = append(opts, extra...)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	return ctx
}

// Type focuses the first element matching the CSS selector sel, once it is
// visible, and types keys into it (text and kb keys), as chromedp.SendKeys
// does. SendKeys reads the element's attributes without holding the
// node's lock (chromedp v0.23.0), while chromedp's event loop rewrites them
// as the page changes them: the race detector reports it when a page sets
// attributes on the input being typed into (the runs filter's
// autocomplete does). Type never reads them.
func Type(sel, keys string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Focus(chromedp.CSS(sel), chromedp.NodeVisible), chromedp.KeyEvent(keys))
}

// BetweenPages reports whether err is the browser's answer to a script run
// while the page is being replaced (after a click on a link, a reload, a
// navigation): its document is gone and the next one is not there yet, so
// a step that polls the page should try again rather than fail.
func BetweenPages(err error) bool {
	var e *cdproto.Error
	return errors.As(err, &e) && e.Code == -32000 &&
		(e.Message == "Execution context was destroyed." || e.Message == "Inspected target navigated or closed")
}
