package emails

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template/parse"
	"time"

	htmltemplate "github.com/partnerinvites/partnerinvites/third_party/gotemplate/html"
	texttemplate "github.com/partnerinvites/partnerinvites/third_party/gotemplate/text"
)

// Bounds on rendering one part of an email. With no loops allowed (below),
// a template's run is linear in its length; the bounds stop what is left:
// output blown up by padding verbs, and anything slow we did not foresee.
const (
	MaxRenderedSubject = 1000
	MaxRenderedHTML    = 256 << 10
	MaxRenderedText    = 256 << 10
	MaxRenderTime      = 100 * time.Millisecond
)

// Reasons a template cannot be used, as RenderError codes.
const (
	ReasonInvalid   = "template_invalid"   // does not parse or execute
	ReasonTooLarge  = "template_too_large" // renders more than its bound
	ReasonTooSlow   = "template_too_slow"  // renders for longer than MaxRenderTime
	ReasonNoLink    = "template_no_link"   // the HTML or text never shows {{.Link}}
	ReasonForbidden = "template_forbidden" // uses range, template, define or block
)

// RenderError says why a part could not be rendered; Reason is one of the
// Reason* codes. Rendering errors are final: the same template on the same
// invitation fails the same way.
type RenderError struct {
	Part   string
	Reason string
	Err    error
}

func (e *RenderError) Error() string {
	return fmt.Sprintf("%s template: %s: %v", e.Part, e.Reason, e.Err)
}
func (e *RenderError) Unwrap() error { return e.Err }

var errOutputBound = errors.New("output over its bound")

// limitedWriter fails the write that would pass its bound, which stops the
// template's execution there.
type limitedWriter struct {
	b   strings.Builder
	max int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.max {
		return 0, errOutputBound
	}
	return w.b.Write(p)
}

// MaxValue bounds each value that a template function makes. The output
// bound stops only what is written: a value computed inside an action
// (nested calls, a variable doubled again and again, js of js of a
// backslash) grew unbounded before anything was written, and the run left
// behind by the time bound went on allocating gigabytes in a function
// instance that serves other tenants next. With each call bounded, and its
// width and precision too, a run's work is linear in the template's size.
const MaxValue = 10_000

// maxFormatNumber bounds printf's widths and precisions (%0999999d made a
// megabyte from two bytes of input).
const maxFormatNumber = 999

// Both are output over its bound: template_too_large.
var (
	errValueBound  = fmt.Errorf("%w: a value over %d bytes", errOutputBound, MaxValue)
	errFormatBound = fmt.Errorf("%w: printf widths and precisions must be numbers up to %d", errOutputBound, maxFormatNumber)
)

// boundedFuncs replace the builtins that can make a value larger than their
// arguments: the same functions, each failing past MaxValue.
var boundedFuncs = map[string]any{
	"printf": func(format string, args ...any) (string, error) {
		if err := checkFormat(format); err != nil {
			return "", err
		}
		return bounded(fmt.Sprintf(format, args...))
	},
	"print":    func(args ...any) (string, error) { return bounded(fmt.Sprint(args...)) },
	"println":  func(args ...any) (string, error) { return bounded(fmt.Sprintln(args...)) },
	"html":     func(args ...any) (string, error) { return bounded(texttemplate.HTMLEscaper(args...)) },
	"js":       func(args ...any) (string, error) { return bounded(texttemplate.JSEscaper(args...)) },
	"urlquery": func(args ...any) (string, error) { return bounded(texttemplate.URLQueryEscaper(args...)) },
}

func bounded(s string) (string, error) {
	if len(s) > MaxValue {
		return "", errValueBound
	}
	return s, nil
}

// checkFormat refuses a printf format whose widths or precisions could pad
// a value past its bound, or take them from the arguments (*).
func checkFormat(format string) error {
	if len(format) > MaxValue {
		return errValueBound
	}
	digits := 0
	inVerb := false
	for _, r := range format {
		switch {
		case !inVerb:
			inVerb = r == '%'
		case r == '*':
			return errFormatBound
		case r >= '0' && r <= '9':
			digits = digits*10 + int(r-'0')
			if digits > maxFormatNumber {
				return errFormatBound
			}
		case r == '.' || r == '[' || r == ']' || r == '+' || r == '-' || r == '#' || r == ' ':
			digits = 0
		default: // the verb, or %%
			inVerb, digits = false, 0
		}
	}
	return nil
}

// executor is a parsed template of either package.
type executor interface {
	Execute(w io.Writer, data any) error
}

// execute runs a template under the output and time bounds.
func execute(part string, t executor, d Data, max int) (string, error) {
	w := &limitedWriter{max: max}
	ctx, cancel := context.WithTimeout(context.Background(), MaxRenderTime)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- t.Execute(w, d) }()
	select {
	case err := <-done:
		switch {
		case errors.Is(err, errOutputBound):
			return "", &RenderError{Part: part, Reason: ReasonTooLarge, Err: fmt.Errorf("it renders more than %d bytes", max)}
		case err != nil:
			return "", &RenderError{Part: part, Reason: ReasonInvalid, Err: err}
		}
		return w.b.String(), nil
	case <-ctx.Done():
		// The goroutine is left to finish on its own; with no loops it
		// cannot run for long, and its output is thrown away.
		return "", &RenderError{Part: part, Reason: ReasonTooSlow, Err: fmt.Errorf("it renders for longer than %v", MaxRenderTime)}
	}
}

// parsePart parses one part and checks its shape: one template, no loops, no
// includes; the HTML and text must show the link.
func parsePart(part, src string, html, needsLink bool) (executor, error) {
	var tree *parse.Tree
	var t executor
	if html {
		ht, err := htmltemplate.New(part).Funcs(htmltemplate.FuncMap(boundedFuncs)).Option("missingkey=error").Parse(src)
		if err != nil {
			return nil, &RenderError{Part: part, Reason: ReasonInvalid, Err: err}
		}
		if len(ht.Templates()) > 1 {
			return nil, &RenderError{Part: part, Reason: ReasonForbidden, Err: errors.New("define and block are not allowed")}
		}
		t, tree = ht, ht.Tree
	} else {
		tt, err := texttemplate.New(part).Funcs(texttemplate.FuncMap(boundedFuncs)).Option("missingkey=error").Parse(src)
		if err != nil {
			return nil, &RenderError{Part: part, Reason: ReasonInvalid, Err: err}
		}
		if len(tt.Templates()) > 1 {
			return nil, &RenderError{Part: part, Reason: ReasonForbidden, Err: errors.New("define and block are not allowed")}
		}
		t, tree = tt, tt.Tree
	}
	if tree == nil || tree.Root == nil {
		return t, nil
	}
	showsLink := false
	var walk func(n parse.Node) error
	walk = func(n parse.Node) error {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return nil
			}
			for _, c := range n.Nodes {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *parse.RangeNode:
			return errors.New("range is not allowed (line " + lineOf(tree, n) + ")")
		case *parse.TemplateNode:
			return errors.New("template is not allowed (line " + lineOf(tree, n) + ")")
		case *parse.IfNode:
			return walkBranch(walk, n.List, n.ElseList)
		case *parse.WithNode:
			return walkBranch(walk, n.List, n.ElseList)
		case *parse.ActionNode:
			for _, cmd := range n.Pipe.Cmds {
				for _, arg := range cmd.Args {
					if f, ok := arg.(*parse.FieldNode); ok && len(f.Ident) == 1 && f.Ident[0] == "Link" {
						showsLink = true
					}
				}
			}
		}
		return nil
	}
	if err := walk(tree.Root); err != nil {
		return nil, &RenderError{Part: part, Reason: ReasonForbidden, Err: err}
	}
	if needsLink && !showsLink {
		return nil, &RenderError{Part: part, Reason: ReasonNoLink, Err: errors.New("it must show the activation link: {{.Link}}")}
	}
	return t, nil
}

func walkBranch(walk func(parse.Node) error, lists ...*parse.ListNode) error {
	for _, l := range lists {
		if l != nil {
			if err := walk(l); err != nil {
				return err
			}
		}
	}
	return nil
}

func lineOf(tree *parse.Tree, n parse.Node) string {
	loc, _ := tree.ErrorContext(n)
	if _, rest, ok := strings.Cut(loc, ":"); ok {
		line, _, _ := strings.Cut(rest, ":")
		return line
	}
	return "?"
}
