package partners

import (
	"context"
	"fmt"
)

// Reactions are the changes the product makes itself when something
// happens, off the path of the request that made it happen. They run in
// the event publisher, after the event is stored, and converge when run
// again (a redelivered change).

// react applies the product's own follow-up to an event.
func (p *EventPublisher) react(ctx context.Context, e Event) error {
	if p.Partners == nil {
		return nil
	}
	if e.Type == EventPartnerUserActivated {
		return p.activateProspect(ctx, e.TenantID, e.PartnerID)
	}
	return nil
}

// activateProspect turns a prospect partner active with its first
// activated person (an invited partner starts as a prospect).
func (p *EventPublisher) activateProspect(ctx context.Context, tenantID, partnerID string) error {
	for attempt := 1; ; attempt++ {
		current, err := p.Partners.GetPartner(ctx, tenantID, partnerID)
		if IsKind(err, NotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("get partner %s: %w", partnerID, err)
		}
		if current.Status != PartnerProspect {
			return nil
		}
		next := current
		next.Status, next.ChangedBy, next.Version = PartnerActive, SystemActor, current.Version+1
		next.UpdatedAt = p.now()
		err = p.Partners.UpdatePartner(ctx, next, current.Version)
		if err == nil {
			logFrom(ctx).Info("partner active with its first activated person", "tenant_id", tenantID, "partner_id", partnerID)
			return nil
		}
		if !IsKind(err, Conflict) || attempt == maxUpdateAttempts {
			return fmt.Errorf("activate partner %s: %w", partnerID, err)
		}
	}
}
