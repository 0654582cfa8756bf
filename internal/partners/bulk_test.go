package partners

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func entriesOf(emails ...string) []BulkEntry {
	entries := make([]BulkEntry, len(emails))
	for i, e := range emails {
		entries[i] = BulkEntry{Input: e, Email: e}
	}
	return entries
}

func TestInviteManyWritesFreshEmailsInBatches(t *testing.T) {
	w := newInviteWorld(t)
	var emails []string
	for i := range MaxInvitationsPerWrite + 5 {
		emails = append(emails, fmt.Sprintf("person%02d@example.com", i))
	}
	report, err := w.svc.InviteMany(w.manager, w.acme.ID, entriesOf(emails...), BulkOptions{Role: "member", SendEmail: true})
	if err != nil {
		t.Fatal(err)
	}
	if report.Created != len(emails) || report.Errors != 0 {
		t.Errorf("created %d, errors %d; want %d created", report.Created, report.Errors, len(emails))
	}
	sizes := slices.Sorted(slices.Values(w.store.batches()))
	if !slices.Equal(sizes, []int{5, MaxInvitationsPerWrite}) || w.store.callsOf("CreateInvitation") != 0 {
		t.Errorf("batches of %v and %d single writes; want one full batch and one of 5", sizes, w.store.callsOf("CreateInvitation"))
	}
	got := w.store.contents()
	if len(got.claims) != len(emails) || len(got.users) != len(emails) || len(got.invitations) != len(emails) {
		t.Errorf("%d claims, %d users, %d invitations; want %d each", len(got.claims), len(got.users), len(got.invitations), len(emails))
	}
	if n := got.sends[tenantHour(tenantA, w.clock.now.Truncate(time.Hour))]; n != len(emails) {
		t.Errorf("the tenant's hour counts %d emails, want %d", n, len(emails))
	}
}

func TestInviteManyRefusesARepeatedEmail(t *testing.T) {
	w := newInviteWorld(t)
	report, err := w.svc.InviteMany(w.manager, w.acme.ID, entriesOf("ada@example.com", "bob@example.com", " ADA@example.com"), BulkOptions{Role: "member"})
	if err != nil {
		t.Fatal(err)
	}
	repeat := report.Results[2]
	if repeat.Status != BulkError || repeat.Err.Kind != Invalid || repeat.Err.Fields[0].Code != "duplicate" || !strings.Contains(repeat.Err.Message, "entry 1") {
		t.Errorf("the repeat: %s, %+v; want a duplicate of entry 1", repeat.Status, repeat.Err)
	}
	if report.Created != 2 || report.Errors != 1 || len(w.store.contents().claims) != 2 {
		t.Errorf("created %d, errors %d, %d claims; want 2, 1, 2", report.Created, report.Errors, len(w.store.contents().claims))
	}
}

func TestInviteManyBatchThatLosesARaceGoesOneByOne(t *testing.T) {
	tests := []struct {
		name   string
		racer  func(w *inviteWorld) Partner // whom the other request invites bob to
		status BulkStatus                   // bob's entry's, afterwards
		code   string
	}{
		{"bob invited to the same partner: resent", func(w *inviteWorld) Partner { return w.acme }, BulkResent, ""},
		{"bob invited to another partner: taken", func(w *inviteWorld) Partner { return w.globex }, BulkError, "email_taken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newInviteWorld(t)
			racer := tt.racer(w)
			w.store.raceOnce("CreateInvitations", func() {
				if _, err := w.svc.InviteUser(w.manager, racer.ID, InviteInput{Email: "bob@example.com", Role: "member"}); err != nil {
					t.Errorf("the other request: %v", err) // not Fatal: this runs on a batch's goroutine
				}
			})
			report, err := w.svc.InviteMany(w.manager, w.acme.ID, entriesOf("ada@example.com", "bob@example.com", "cy@example.com"), BulkOptions{Role: "member"})
			if err != nil {
				t.Fatal(err)
			}
			if n := w.store.callsOf("CreateInvitations"); n != 1 {
				t.Errorf("%d batch writes, want the one that lost", n)
			}
			statuses := []BulkStatus{report.Results[0].Status, report.Results[1].Status, report.Results[2].Status}
			if want := []BulkStatus{BulkCreated, tt.status, BulkCreated}; !slices.Equal(statuses, want) {
				t.Errorf("statuses %v, want %v", statuses, want)
			}
			if e := report.Results[1].Err; tt.code != "" && (e == nil || e.Details["code"] != tt.code) {
				t.Errorf("bob's error %+v, want %s", e, tt.code)
			}
			got := w.store.contents()
			if len(got.claims) != 3 || len(got.users) != 3 || len(got.invitations) != 3 {
				t.Errorf("%d claims, %d users, %d invitations; want 3 each", len(got.claims), len(got.users), len(got.invitations))
			}
			if c := got.claims[tenantKey{tenantA, "bob@example.com"}]; c.PartnerID != racer.ID {
				t.Errorf("bob belongs to %s, want the other request's %s", c.PartnerID, racer.Name)
			}
		})
	}
}

func TestInviteManyCountsEachOutcome(t *testing.T) {
	w := newInviteWorld(t)
	w.invite(w.acme, "pending@example.com")
	w.accept(w.invite(w.acme, "active@example.com"))
	w.invite(w.globex, "taken@example.com")
	entries := entriesOf("new@example.com", "pending@example.com", "active@example.com", "taken@example.com", "not an email")
	entries = append(entries, BulkEntry{Input: "x,y", Row: 7, Problem: &FieldError{Field: "email", Code: "unreadable", Message: "Row 7 could not be read."}})
	report, err := w.svc.InviteMany(w.manager, w.acme.ID, entries, BulkOptions{Role: "member"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		status BulkStatus
		kind   Kind   // of an error
		code   string // the error's Details code or first field's code
	}{
		{BulkCreated, "", ""},
		{BulkResent, "", ""},
		{BulkError, Conflict, "already_active"},
		{BulkError, Conflict, "email_taken"},
		{BulkError, Invalid, "invalid_email"},
		{BulkError, Invalid, "unreadable"},
	}
	for i, r := range report.Results {
		var kind Kind
		var code string
		if r.Err != nil {
			kind, code = r.Err.Kind, fmt.Sprint(r.Err.Details["code"])
			if kind == Invalid {
				code = r.Err.Fields[0].Code
			}
		}
		if r.Status != want[i].status || kind != want[i].kind || code != want[i].code {
			t.Errorf("entry %d (%s): %s %s %s, want %v", i+1, r.Entry.Input, r.Status, kind, code, want[i])
		}
	}
	if report.Created != 1 || report.Resent != 1 || report.Errors != 4 {
		t.Errorf("created %d, resent %d, errors %d; want 1, 1, 4", report.Created, report.Resent, report.Errors)
	}
	if len(w.store.contents().claims) != 4 {
		t.Errorf("%d claims, want the 3 set up and new@", len(w.store.contents().claims))
	}
}
