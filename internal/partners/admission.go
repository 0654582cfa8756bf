package partners

import "context"

// Admission is the answer to "may this request go on?" — the tenant's
// request-rate count — decided while the request already does its first
// work. The count is a round trip to the store, and waiting for it before
// anything else made every request one round trip slower (issue 14): the
// count now runs beside the request's reads and its send-limit counts, and
// only a write of the product's data waits for it (see AwaitAdmission).
//
// A request refused after it read something answers 429 all the same, and
// nothing it did is kept: it wrote nothing but counts, and those it gives
// back as when any write fails.
type Admission struct {
	done    chan struct{}
	refusal error
}

// NewAdmission starts decide in the background; its error (a *Error of kind
// RateLimited) refuses the request, nil admits it.
func NewAdmission(ctx context.Context, decide func(context.Context) error) *Admission {
	a := &Admission{done: make(chan struct{})}
	go func() {
		defer close(a.done)
		a.refusal = decide(WithoutAdmission(ctx))
	}()
	return a
}

// Wait returns the decision, once it is made: nil, or the refusal.
func (a *Admission) Wait(ctx context.Context) error {
	select {
	case <-a.done:
		return a.refusal
	case <-ctx.Done():
		return ctx.Err()
	}
}

type admissionKey struct{}

// admissionOff marks a context whose writes do not wait: the counts
// themselves (the rate count, the send-limit reservations and their
// release), which are given back if the request is refused.
var admissionOff = &Admission{}

// WithAdmission returns a context whose writes wait for a's decision.
func WithAdmission(ctx context.Context, a *Admission) context.Context {
	return context.WithValue(ctx, admissionKey{}, a)
}

// WithoutAdmission returns a context whose writes do not wait for the
// request's admission: for the counts, which run beside it.
func WithoutAdmission(ctx context.Context) context.Context {
	return context.WithValue(ctx, admissionKey{}, admissionOff)
}

// AwaitAdmission waits, before a write of the product's data, until the
// request of ctx is admitted; it returns the refusal if it is not. A context
// without an admission (the stream consumers, the tools, the tests' direct
// calls) is admitted at once.
func AwaitAdmission(ctx context.Context) error {
	a, _ := ctx.Value(admissionKey{}).(*Admission)
	if a == nil || a == admissionOff {
		return nil
	}
	return a.Wait(ctx)
}
