package partners

import (
	"context"
	"testing"
	"time"
)

// countingSettings is a SettingsStore that counts the reads reaching it.
type countingSettings struct {
	SettingsStore
	reads int
}

func (c *countingSettings) GetSettings(context.Context, string) (Settings, error) {
	c.reads++
	return DefaultSettings(), nil
}

// The settings cache ages by the Service's Clock, not the wall clock: only
// moving the injected clock to SettingsCacheTTL sends the next read to the
// store.
func TestSettingsCacheExpiresByInjectedClock(t *testing.T) {
	tests := []struct {
		name    string
		advance time.Duration
		reads   int
	}{
		{"same instant", 0, 1},
		{"just before the TTL", SettingsCacheTTL - time.Nanosecond, 1},
		{"at the TTL", SettingsCacheTTL, 2},
		{"past the TTL", SettingsCacheTTL + time.Second, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &testClock{now: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
			store := &countingSettings{}
			svc := &Service{Settings: store, Clock: clock}
			ctx := context.Background()
			if _, err := svc.cachedSettings(ctx, "ten_a"); err != nil {
				t.Fatal(err)
			}
			clock.now = clock.now.Add(tt.advance)
			if _, err := svc.cachedSettings(ctx, "ten_a"); err != nil {
				t.Fatal(err)
			}
			if store.reads != tt.reads {
				t.Errorf("store reads = %d, want %d", store.reads, tt.reads)
			}
		})
	}
}
