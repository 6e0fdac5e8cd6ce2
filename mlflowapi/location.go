package mlflowapi

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// MLflow's limit on an experiment's artifact location
// (MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH's default).
const maxArtifactLocation = 2048

// hostSchemes are the schemes whose artifact repositories connect to the
// host a URI names (MLflow's HOST_ADDRESSED_ARTIFACT_SCHEMES).
var hostSchemes = map[string]bool{
	"ftp": true, "sftp": true, "hdfs": true, "viewfs": true, "http": true, "https": true,
	"mlflow-artifacts": true, "r2": true, "b2": true, "abfss": true,
}

// checkArtifactLocation refuses an experiment's artifact_location. A
// location MLflow 3.17.2's server refuses (_validate_storage_location_uri:
// fragments or params, ".." in the query, a scheme that addresses another
// host, a runs:/ URI, over 2048 characters) gets MLflow's error. Every
// other location is refused too, with mlite's: mlite keeps a run's
// artifacts in its own store (mlflow-artifacts:/<experiment>/<run>/artifacts,
// through the artifact proxy), so a location elsewhere would have the
// client write artifacts the store, the viewer and the registry never see,
// or report a location that is not used.
func checkArtifactLocation(loc string) *apiError {
	u := parsePyURL(loc)
	switch {
	case u.fragment != "" || u.params != "":
		return invalidParam("'artifact_location' URL can't include fragments or params.")
	case strings.Contains(unquoteAll(u.query), ".."):
		return invalidParam("Invalid query string")
	case hostSchemes[u.scheme] && !(u.scheme == "mlflow-artifacts" && u.netloc == ""):
		return invalidParam("'artifact_location' cannot use the '%s' scheme: the '%s' scheme addresses a host other than the tracking server's configured artifact storage, so the server would connect to the host named in the URI. Set the MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES environment variable on the server to allow it.", u.scheme, u.scheme)
	case strings.HasPrefix(loc, "runs:"):
		return invalidParam("Artifact location cannot be a runs:/ URI. Given: '%s'", loc)
	case utf8.RuneCountInString(loc) > maxArtifactLocation:
		return invalidParam("Invalid artifact path length. The length of the artifact path cannot be greater than %d characters. To configure this limit, please set the MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH environment variable.", maxArtifactLocation)
	}
	return invalidParam("artifact_location %q is not supported: mlite stores artifacts beside its store file (mlflow-artifacts:/<experiment id>).", loc)
}

// pyURL is a URL's parts as Python's urllib.parse.urlparse splits them.
type pyURL struct {
	scheme, netloc, params, query, fragment string
}

// usesParams are the schemes whose last path segment urlparse splits at
// ";" (urllib.parse.uses_params).
var usesParams = map[string]bool{
	"": true, "ftp": true, "hdl": true, "prospero": true, "http": true, "imap": true, "https": true,
	"shttp": true, "rtsp": true, "rtsps": true, "rtspu": true, "sip": true, "sips": true, "mms": true,
	"sftp": true, "tel": true,
}

func parsePyURL(s string) pyURL {
	var u pyURL
	if i := strings.IndexByte(s, ':'); i > 0 && isSchemeName(s[:i]) {
		u.scheme, s = strings.ToLower(s[:i]), s[i+1:]
	}
	if rest, ok := strings.CutPrefix(s, "//"); ok {
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		u.netloc, s = rest[:end], rest[end:]
	}
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s, u.fragment = s[:i], s[i+1:]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s, u.query = s[:i], s[i+1:]
	}
	if usesParams[u.scheme] {
		if i := strings.IndexByte(s[strings.LastIndexByte(s, '/')+1:], ';'); i >= 0 {
			u.params = s[strings.LastIndexByte(s, '/')+1+i+1:]
		}
	}
	return u
}

// isSchemeName reports whether s is a URL scheme: a letter, then letters,
// digits, "+", "-" and ".".
func isSchemeName(s string) bool {
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// unquoteAll percent-decodes s until it stops changing, at most 10 times,
// as MLflow's check of a query string does.
func unquoteAll(s string) string {
	for range 10 {
		d, err := url.PathUnescape(s)
		if err != nil || d == s {
			return s
		}
		s = d
	}
	return s
}
