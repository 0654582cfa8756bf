package partners

import (
	"errors"
	"fmt"
)

// Kind classifies an Error so that the transport can map it to a status code
// in one place.
type Kind string

// The kinds of error the domain returns.
const (
	Invalid         Kind = "invalid"          // bad input; Fields says which
	Unauthenticated Kind = "unauthenticated"  // no or unknown credentials
	Forbidden       Kind = "forbidden"        // known caller, not allowed
	NotFound        Kind = "not_found"        // absent, or another tenant's
	Conflict        Kind = "conflict"         // the state forbids it now
	Unprocessable   Kind = "unprocessable"    // well-formed, but cannot be applied
	TooLarge        Kind = "too_large"        // the payload is over a limit
	Unsupported     Kind = "unsupported_type" // the body's media type is not accepted
	Gone            Kind = "gone"             // it existed, and is dead for good (a used or revoked link)
	RateLimited     Kind = "rate_limited"     // too many; Details["retry_after"] says when to retry (seconds)
	Internal        Kind = "internal"         // our fault; details are logged, not shown
)

// FieldError names one bad field of a request and why it is bad.
type FieldError struct {
	// Field is the field's path in the API's terms, e.g. "primary_contact.email".
	Field string
	// Code is a stable machine-readable reason, e.g. "required", "too_long".
	Code string
	// Message is a sentence for people.
	Message string
}

// Error is the domain's error: a kind, a message safe to show to the caller,
// the bad fields of an Invalid request, and the wrapped cause (never shown).
type Error struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	// Details are extra members for the caller, such as the partner an email
	// already belongs to. They must be safe to show to the caller.
	Details map[string]any
	Err     error
}

func (e *Error) Error() string {
	msg := string(e.Kind)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error of the given kind with a formatted message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of the first Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// IsKind reports whether err's chain holds an Error of the given kind.
func IsKind(err error, kind Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == kind
}

// fieldErrors collects the problems of one request so that every bad field
// is reported at once, not only the first.
type fieldErrors []FieldError

func (fe *fieldErrors) add(field, code, message string) {
	*fe = append(*fe, FieldError{Field: field, Code: code, Message: message})
}

// err returns an Invalid Error listing the collected fields, or nil.
func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "The request has invalid fields.", Fields: fe}
}

// InvalidField returns an Invalid Error for one field.
func InvalidField(field, code, message string) error {
	var fe fieldErrors
	fe.add(field, code, message)
	return fe.err()
}
