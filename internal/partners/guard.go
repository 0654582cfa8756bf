package partners

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// The ceiling on guessing a login's password through activation links: at
// most maxPasswordFailures wrong passwords per login per
// passwordFailureWindow, across all of the tenant's links. Cognito's own
// lockout is per pool too, but its timing is not ours to promise.
const (
	maxPasswordFailures   = 5
	passwordFailureWindow = 15 * time.Minute
)

// PasswordFailures counts a login's wrong passwords in the current window.
type PasswordFailures struct {
	Count       int
	WindowStart time.Time
}

// PasswordGuardStore counts wrong passwords per login of a tenant.
type PasswordGuardStore interface {
	// GetPasswordFailures returns the login's count; a zero value if none.
	GetPasswordFailures(ctx context.Context, tenantID, sub string) (PasswordFailures, error)
	// AddPasswordFailure counts one more wrong password at now: in the
	// current window if it started after now-window, else in a new one
	// starting at now. It returns the count after adding.
	AddPasswordFailure(ctx context.Context, tenantID, sub string, now time.Time, window time.Duration) (PasswordFailures, error)
}

// errTooManyPasswords is the answer once the ceiling is reached: the right
// password is refused as well until the window ends.
func errTooManyPasswords(f PasswordFailures, now time.Time) error {
	retry := int(f.WindowStart.Add(passwordFailureWindow).Sub(now).Seconds()) + 1
	return &Error{
		Kind:    RateLimited,
		Message: fmt.Sprintf("Too many wrong passwords. Try again in %d minutes.", (retry+59)/60),
		Details: map[string]any{"code": "too_many_passwords", "retry_after": retry},
	}
}

// checkExistingPassword checks the password of a login under the ceiling.
func (s *Service) checkExistingPassword(ctx context.Context, pool LoginPool, tenantID string, login Login, email, password string) (string, error) {
	now := timestamp(s.Clock)
	f, err := s.PasswordGuard.GetPasswordFailures(ctx, tenantID, login.Sub)
	if err != nil {
		return "", fmt.Errorf("read password failures: %w", err)
	}
	if f.Count >= maxPasswordFailures && now.Before(f.WindowStart.Add(passwordFailureWindow)) {
		return "", errTooManyPasswords(f, now)
	}
	sub, err := s.Logins.CheckPassword(ctx, pool, email, password)
	if errors.Is(err, ErrWrongPassword) {
		if _, err := s.PasswordGuard.AddPasswordFailure(ctx, tenantID, login.Sub, now, passwordFailureWindow); err != nil {
			return "", fmt.Errorf("count a wrong password: %w", err)
		}
		// A wrong password and a locked login get the same answer.
		return "", InvalidField("password", "wrong_password", "That password is not right.")
	}
	return sub, err
}
