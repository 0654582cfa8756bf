package testenv

import (
	"context"
	"errors"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"
)

// ErrKilled is what a killed invocation returns in place of its answer.
var ErrKilled = errors.New("the invocation was killed")

// Killer kills the running invocations of a stream consumer on demand, as
// Lambda ends one that crashes or runs out of time halfway through a
// batch: its context is cancelled, and whatever it would have answered
// (its batch item failures included) is lost, so the stream hands the
// whole batch again.
type Killer struct {
	mu      sync.Mutex
	running map[string]map[*int]context.CancelCauseFunc // function → invocations
	killed  map[string]int
}

// NewKiller returns a killer that has killed nothing.
func NewKiller() *Killer {
	return &Killer{running: map[string]map[*int]context.CancelCauseFunc{}, killed: map[string]int{}}
}

// Kill kills every running invocation of the function.
func (k *Killer) Kill(function string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, cancel := range k.running[function] {
		cancel(ErrKilled)
		k.killed[function]++
	}
}

// Killed is how many invocations of the function were killed.
func (k *Killer) Killed(function string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.killed[function]
}

// wrap returns the handler with its invocations registered for Kill.
func (k *Killer) wrap(function string, h any) any {
	return killable{function: function, h: lambda.NewHandler(h), k: k}
}

type killable struct {
	function string
	h        lambda.Handler
	k        *Killer
}

func (w killable) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	id := new(int)
	w.k.mu.Lock()
	if w.k.running[w.function] == nil {
		w.k.running[w.function] = map[*int]context.CancelCauseFunc{}
	}
	w.k.running[w.function][id] = cancel
	w.k.mu.Unlock()
	defer func() {
		w.k.mu.Lock()
		delete(w.k.running[w.function], id)
		w.k.mu.Unlock()
	}()
	out, err := w.h.Invoke(ctx, payload)
	if errors.Is(context.Cause(ctx), ErrKilled) {
		return nil, ErrKilled
	}
	return out, err
}
