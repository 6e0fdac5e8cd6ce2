package mlflowapi

import (
	"strings"
	"testing"
)

// TestArtifactLocation checks the refusal of each kind of location; the
// messages of the kinds MLflow refuses are those MLflow 3.17.2's
// _validate_storage_location_uri raises for the same input.
func TestArtifactLocation(t *testing.T) {
	host := func(s string) string {
		return "'artifact_location' cannot use the '" + s + "' scheme: the '" + s + "' scheme addresses a host other than the tracking server's configured artifact storage, so the server would connect to the host named in the URI. Set the MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES environment variable on the server to allow it."
	}
	const fragments = "'artifact_location' URL can't include fragments or params."
	mlite := func(loc string) string {
		return `artifact_location "` + loc + `" is not supported: mlite stores artifacts beside its store file (mlflow-artifacts:/<experiment id>).`
	}
	long := "s3://b/" + strings.Repeat("x", 2100)
	for _, tc := range []struct{ loc, want string }{
		{"s3://bucket/x#frag", fragments},
		{"/tmp/a;b", fragments},
		{"http://h/a;b", fragments},
		{"s3://b/x?a=..", "Invalid query string"},
		{"s3://b/x?a=%252e%252e", "Invalid query string"},
		{"https://host/x", host("https")},
		{"ftp:///x", host("ftp")},
		{"HDFS://nn/x", host("hdfs")},
		{"viewfs://x/y", host("viewfs")},
		{"b2://bucket@host/x", host("b2")},
		{"abfss://fs@acct.dfs.core.windows.net/x", host("abfss")},
		{"mlflow-artifacts://host:5000/x", host("mlflow-artifacts")},
		{"runs:/abc/x", "Artifact location cannot be a runs:/ URI. Given: 'runs:/abc/x'"},
		{long, "Invalid artifact path length. The length of the artifact path cannot be greater than 2048 characters. To configure this limit, please set the MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH environment variable."},
		// What MLflow accepts and mlite cannot honour.
		{"s3://bucket/x#", mlite("s3://bucket/x#")},
		{"s3://b/x;p", mlite("s3://b/x;p")},
		{"mlflow-artifacts:/x", mlite("mlflow-artifacts:/x")},
		{"RUNS:/abc", mlite("RUNS:/abc")},
		{"file:///tmp/x", mlite("file:///tmp/x")},
		{"/tmp/x", mlite("/tmp/x")},
		{"wasbs://c@a.blob.core.windows.net/x", mlite("wasbs://c@a.blob.core.windows.net/x")},
		{"1abc://h/x", mlite("1abc://h/x")},
	} {
		err := checkArtifactLocation(tc.loc)
		if err == nil || err.code != codeInvalidParameter || err.msg != tc.want {
			t.Errorf("artifact_location %.60q: got %v, want INVALID_PARAMETER_VALUE %q", tc.loc, err, tc.want)
		}
	}
}
