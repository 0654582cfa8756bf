// Package phoneapp wires the functions that take phone numbers: the base
// and libphonenumber (internal/phones), whose metadata only these pay for at
// init.
package phoneapp

import (
	"context"
	"os"

	"github.com/partnerinvites/partnerinvites/internal/app/base"
	"github.com/partnerinvites/partnerinvites/internal/phones"
)

// New builds the base App with phone numbers.
func New(ctx context.Context, getenv func(string) string, opts base.Options) (*base.App, error) {
	a, err := base.New(ctx, getenv, opts)
	if err != nil {
		return nil, err
	}
	a.Service.Phones = phones.Normalize
	return a, nil
}

// Handler returns one of the group's functions' handler.
func Handler(ctx context.Context, function string, getenv func(string) string, opts base.Options) (any, error) {
	return base.Handler(function, base.GroupPhones, func() (map[string]any, error) {
		a, err := New(ctx, getenv, opts)
		if err != nil {
			return nil, err
		}
		return a.Handlers(), nil
	})
}

// Main is what the group's functions' mains pass to lambda.Start (see
// base.Main for why the main picks its handler).
func Main(function string, pick func(*base.App) any) any {
	h, err := base.Build(function, base.GroupPhones, pick, func() (*base.App, error) {
		return New(context.Background(), os.Getenv, base.Options{})
	})
	return base.Start(function, h, err)
}
