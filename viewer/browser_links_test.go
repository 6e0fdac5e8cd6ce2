package viewer

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mlite/mlite/internal/browsertest"
)

// TestBrowserMLflowLinks follows the links the mlflow client prints (MLflow
// UI routes in the URL's fragment): each opens the viewer's page of the same
// run, experiment, model or version.
func TestBrowserMLflowLinks(t *testing.T) {
	rep, _, base := serveDemo(t, 2)
	bctx := browsertest.New(t, 1400, 900)
	v := fmt.Sprint(rep.ProductionVersion)
	model := url.PathEscape(rep.Model)
	for _, tt := range []struct{ link, want string }{
		{"/#/experiments/" + rep.ExperimentID + "/runs/" + rep.ParentRunID, "/runs/" + rep.ParentRunID},
		{"/#/experiments/" + rep.ExperimentID + "/runs/" + rep.ParentRunID + "/artifacts", "/runs/" + rep.ParentRunID},
		{"/#/experiments/" + rep.ExperimentID, "/experiments/" + rep.ExperimentID},
		{"/#/models/" + model + "/versions/" + v, "/models/" + model + "/versions/" + v},
		{"/#/models/" + model, "/models/" + model},
		{"/#/compare-runs?runs=x", "/"},
	} {
		sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		err := chromedp.Do(sctx,
			chromedp.Navigate(base+tt.link),
			waitJS(`location.pathname === `+jsString(tt.want)+` && document.readyState === "complete"`),
		)
		cancel()
		if err != nil {
			loc, _ := chromedp.Run(bctx, chromedp.Location())
			t.Errorf("%s: %v (at %s), want %s", tt.link, err, loc, tt.want)
		}
	}
}
