package template

// Patched (PATCHES.md): internal/godebug cannot be imported outside the
// standard library. Both settings html/template reads keep their defaults,
// the secure ones: no actions in JS template literals, and meta content
// URLs escaped.

type godebugSetting struct{}

func (godebugSetting) Value() string  { return "" }
func (godebugSetting) IncNonDefault() {}

var godebug = struct{ New func(string) godebugSetting }{New: func(string) godebugSetting { return godebugSetting{} }}
