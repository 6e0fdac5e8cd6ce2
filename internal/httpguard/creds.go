package httpguard

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Credentials are what a client must present: a username and password
// (HTTP basic auth), a bearer token, or either of the two where both are
// set.
type Credentials struct {
	Username string
	Password string
	Token    string
}

// Environment variables Credentials reads (the server's side of the
// mlflow client's MLFLOW_TRACKING_USERNAME, _PASSWORD and _TOKEN).
const (
	EnvUsername = "MLITE_SERVER_USERNAME"
	EnvPassword = "MLITE_SERVER_PASSWORD"
	EnvToken    = "MLITE_SERVER_TOKEN"
)

// ErrCredentials reports credentials that are incomplete or malformed.
var ErrCredentials = errors.New("httpguard: bad credentials")

// LoadCredentials reads credentials from file (when not empty: lines
// "username = …", "password = …", "token = …"; blank lines and # comments
// are skipped), then from the environment for what the file does not set.
// It returns nil when none are configured.
func LoadCredentials(file string, getenv func(string) string) (*Credentials, error) {
	c := &Credentials{}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCredentials, err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			switch {
			case !ok:
				return nil, fmt.Errorf("%w: %s:%d: want key = value", ErrCredentials, file, n)
			case k == "username":
				c.Username = v
			case k == "password":
				c.Password = v
			case k == "token":
				c.Token = v
			default:
				return nil, fmt.Errorf("%w: %s:%d: unknown key %q (want username, password or token)", ErrCredentials, file, n, k)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrCredentials, file, err)
		}
	}
	for _, f := range []struct {
		field *string
		env   string
	}{{&c.Username, EnvUsername}, {&c.Password, EnvPassword}, {&c.Token, EnvToken}} {
		if *f.field == "" {
			*f.field = getenv(f.env)
		}
	}
	switch {
	case c.Username == "" && c.Password == "" && c.Token == "":
		return nil, nil
	case (c.Username == "") != (c.Password == ""):
		return nil, fmt.Errorf("%w: a username needs a password and a password a username (%s, %s)", ErrCredentials, EnvUsername, EnvPassword)
	case strings.Contains(c.Username, ":"):
		return nil, fmt.Errorf("%w: a username may not contain ':' (HTTP basic auth)", ErrCredentials)
	}
	return c, nil
}
