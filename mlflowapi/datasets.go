package mlflowapi

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/mlite/mlite/run"
)

// MLflow's limits of experiments/search-datasets (handlers.py,
// search_datasets_impl; the stores' MAX_DATASET_SUMMARIES_RESULTS).
const (
	datasetSearchMaxExperiments = 20
	datasetSearchMaxResults     = 1000
)

// decodeDatasetSearch reads the experiment ids of experiments/search-datasets
// as MLflow parses them: only a list's strings count (not numbers, as
// elsewhere), and a value that is not a list is none.
func decodeDatasetSearch(a *args) []run.ExperimentID {
	var ids []string
	elems, _ := a.p.array("experiment_ids")
	for _, e := range elems {
		var s string
		if bytes.HasPrefix(bytes.TrimSpace(e), []byte(`"`)) && json.Unmarshal(e, &s) == nil {
			ids = append(ids, s)
		}
	}
	switch {
	case len(ids) == 0:
		a.fail(invalidParam("SearchDatasets request must specify at least one experiment_id."))
	case len(ids) > datasetSearchMaxExperiments:
		a.fail(invalidParam("SearchDatasets request cannot specify more than %d experiment_ids. Received %d experiment_ids.",
			datasetSearchMaxExperiments, len(ids)))
	}
	var exps []run.ExperimentID
	for _, id := range ids {
		if !a.ok() {
			break
		}
		x, err := run.ParseExperimentID(id)
		if err != nil {
			a.fail(badExperimentID(id))
		}
		exps = append(exps, x)
	}
	return exps
}

// searchDatasets answers the UI's experiments/search-datasets: the
// datasets the experiments' runs used, by context.
func (h *Handler) searchDatasets(ctx context.Context, exps []run.ExperimentID) ([]run.DatasetSummary, error) {
	return h.tr.DatasetSummaries(ctx, exps, datasetSearchMaxResults)
}

// writeDatasetSummaries writes member dataset_summaries: MLflow's
// DatasetSummary messages.
func writeDatasetSummaries(w *jsonWriter, list []run.DatasetSummary) {
	writeArray(w, "dataset_summaries", list, func(w *jsonWriter, d run.DatasetSummary) {
		w.str("experiment_id", d.Experiment.String())
		w.str("name", d.Name)
		w.str("digest", d.Digest)
		if d.HasContext {
			w.str("context", d.Context)
		}
	})
}
