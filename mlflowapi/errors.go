package mlflowapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/run"
)

// MLflow's error codes (databricks.proto ErrorCode names) used here.
const (
	codeInvalidParameter    = "INVALID_PARAMETER_VALUE"
	codeBadRequest          = "BAD_REQUEST"
	codeNotFound            = "RESOURCE_DOES_NOT_EXIST"
	codeAlreadyExists       = "RESOURCE_ALREADY_EXISTS"
	codeEndpointNotFound    = "ENDPOINT_NOT_FOUND"
	codeInternal            = "INTERNAL_ERROR"
	codeDataLoss            = "DATA_LOSS"
	codeInvalidState        = "INVALID_STATE"
	codeTemporarilyUnavail  = "TEMPORARILY_UNAVAILABLE"
	codeCancelled           = "CANCELLED"
	codeDeadlineExceeded    = "DEADLINE_EXCEEDED"
	codeRequestLimitExceeds = "REQUEST_LIMIT_EXCEEDED"
	codePermissionDenied    = "PERMISSION_DENIED"
)

// httpStatus is MLflow's ERROR_CODE_TO_HTTP_STATUS (mlflow/exceptions.py)
// for the codes above.
var httpStatus = map[string]int{
	codeInvalidParameter:    http.StatusBadRequest,
	codeBadRequest:          http.StatusBadRequest,
	codeAlreadyExists:       http.StatusBadRequest,
	codeNotFound:            http.StatusNotFound,
	codeEndpointNotFound:    http.StatusNotFound,
	codeInternal:            http.StatusInternalServerError,
	codeDataLoss:            http.StatusInternalServerError,
	codeInvalidState:        http.StatusInternalServerError,
	codeTemporarilyUnavail:  http.StatusServiceUnavailable,
	codeCancelled:           499,
	codeDeadlineExceeded:    http.StatusGatewayTimeout,
	codeRequestLimitExceeds: http.StatusTooManyRequests,
	codePermissionDenied:    http.StatusForbidden,
}

// apiError is an error with MLflow's error code: what a handler returns
// when it knows the code, and what every other error is turned into.
type apiError struct {
	code   string
	msg    string
	status int   // 0: httpStatus[code]
	err    error // the cause, if any
}

func (e *apiError) Error() string { return "mlflowapi: " + e.code + ": " + e.msg }
func (e *apiError) Unwrap() error { return e.err }

// invalidParam is an INVALID_PARAMETER_VALUE error.
func invalidParam(format string, args ...any) *apiError {
	return &apiError{code: codeInvalidParameter, msg: fmt.Sprintf(format, args...)}
}

// badExperimentID is MLflow's error for an experiment id that is not an
// integer: INVALID_PARAMETER_VALUE, wherever the id is read.
func badExperimentID(id string) *apiError {
	return invalidParam("Invalid experiment ID '%s'. Experiment ID must be a valid integer.", id)
}

// notFound is a RESOURCE_DOES_NOT_EXIST error with the message MLflow's
// stores give, wrapping the store's error.
func notFound(err error, format string, args ...any) *apiError {
	return &apiError{code: codeNotFound, msg: fmt.Sprintf(format, args...), err: err}
}

// sentinelCodes are the MLflow error codes of mlite's sentinels, tested in
// order with errors.Is.
var sentinelCodes = []struct {
	err  error
	code string
}{
	{run.ErrBadQuery, codeInvalidParameter},
	{mlite.ErrInvalid, codeInvalidParameter},
	// A run whose artifacts are remote (s3://...): the client reaches
	// them, mlite does not.
	{run.ErrRemoteArtifacts, codeInvalidParameter},
	{mlite.ErrNotFound, codeNotFound},
	{mlite.ErrExists, codeAlreadyExists},
	// MLflow reports a changed param and a write to a deleted run as
	// INVALID_PARAMETER_VALUE.
	{mlite.ErrConflict, codeInvalidParameter},
	{mlite.ErrDeleted, codeInvalidParameter},
	{mlite.ErrLocked, codeTemporarilyUnavail},
	{mlite.ErrClosed, codeTemporarilyUnavail},
	{mlite.ErrCorrupt, codeDataLoss},
	{context.DeadlineExceeded, codeDeadlineExceeded},
	{context.Canceled, codeCancelled},
}

// asAPIError gives err its MLflow error code, testing mlite's sentinels
// with errors.Is. Errors without a known sentinel are INTERNAL_ERROR.
func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	code := codeInternal
	for _, s := range sentinelCodes {
		if errors.Is(err, s.err) {
			code = s.code
			break
		}
	}
	return &apiError{code: code, msg: message(err), err: err}
}

// kinds are the sentinels whose text only says what kind of error wraps
// them, for errors.Is: a message shows none of them.
var kinds = []error{mlite.ErrInvalid, mlite.ErrNotFound, mlite.ErrExists, mlite.ErrConflict, mlite.ErrDeleted, run.ErrBadQuery}

// message is err's text for a client, saying what was wrong once: without
// the sentinel texts ("invalid argument", "not found", ...) that end it,
// however many times layers wrapped them.
func message(err error) string {
	msg := err.Error()
	for {
		before := msg
		for _, k := range kinds {
			msg = strings.TrimSuffix(msg, ": "+k.Error())
		}
		if msg == before {
			return msg
		}
	}
}

// writeError writes err as MLflow's error body with its status.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae := asAPIError(err)
	status := ae.status
	if status == 0 {
		status = httpStatus[ae.code]
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status >= 500 {
		h.log.ErrorContext(r.Context(), "mlflowapi: request failed", "method", r.Method, "path", r.URL.Path, "code", ae.code, "err", err)
	}
	b := make([]byte, 0, 64+len(ae.msg))
	b = append(b, `{"error_code":`...)
	b = appendString(b, ae.code)
	b = append(b, `,"message":`...)
	b = appendString(b, ae.msg)
	b = append(b, '}')
	writeJSON(w, status, b)
}

// writeJSON writes a JSON body with status.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
}
