package mlflowapi

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/mlite/mlite/run"
)

// hostSchemes are the schemes whose artifact repositories connect to the
// host a URI names (MLflow's HOST_ADDRESSED_ARTIFACT_SCHEMES).
var hostSchemes = map[string]bool{
	"ftp": true, "sftp": true, "hdfs": true, "viewfs": true, "http": true, "https": true,
	"mlflow-artifacts": true, "r2": true, "b2": true, "abfss": true,
}

// checkArtifactLocation refuses an experiment's artifact_location as
// MLflow 3.17.2's server does (_validate_storage_location_uri: fragments
// or params, ".." in the query, a scheme that addresses another host, a
// runs:/ URI, over 2048 characters; a file: URI naming another host, which
// its store's is_local_uri fails on with INTERNAL_ERROR), with MLflow's
// error, or returns nil. The tracker then refuses what mlite refuses
// beyond (run.ResolveArtifactLocation: ".." segments in a local path,
// control characters, mlflow-artifacts:).
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
	case utf8.RuneCountInString(loc) > run.MaxArtifactLocation:
		return invalidParam("Invalid artifact path length. The length of the artifact path cannot be greater than %d characters. To configure this limit, please set the MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH environment variable.", run.MaxArtifactLocation)
	}
	return checkLocalHost(loc)
}

// checkLocalHost is MLflow's is_local_uri failing on a file: URI that
// names another host: INTERNAL_ERROR (500), with its message.
func checkLocalHost(uri string) *apiError {
	if _, err := run.IsLocalURI(uri); err != nil {
		return &apiError{code: codeInternal, err: err, msg: uri + " is not a valid remote uri. For remote access on windows, please consider using a different scheme such as SMB (e.g. smb://<hostname>/<path>)."}
	}
	return nil
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
