package apigw

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/partnerinvites/partnerinvites/internal/partners"
)

type importJSON struct {
	Object      string         `json:"object"`
	ID          string         `json:"id"`
	PartnerID   string         `json:"partner_id"`
	Status      string         `json:"status"`
	Summary     map[string]int `json:"summary"`
	CreatedAt   time.Time      `json:"created_at"`
	CompletedAt *time.Time     `json:"completed_at"`
	Results     []bulkItemJSON `json:"results"`
}

func (a *API) importOut(imp partners.Import, results []partners.BulkResult) importJSON {
	report := partners.BulkReport{Results: results}
	return importJSON{
		Object: "import", ID: imp.ID, PartnerID: imp.PartnerID, Status: string(imp.Status),
		Summary:   map[string]int{"total": imp.Rows, "done": imp.Done, "created": imp.Created, "resent": imp.Resent, "errors": imp.Errors},
		CreatedAt: imp.CreatedAt, CompletedAt: timeOrNull(imp.CompletedAt),
		Results: a.bulkOut(report, true).Results,
	}
}

// GetImport handles GET /v1/imports/{id}: an import job's progress and the
// results of the rows done so far, in file order.
func (a *API) GetImport(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return a.serveTenant(ctx, e, func(ctx context.Context, r *request) (int, any, error) {
		imp, results, err := a.Invitations.GetImport(ctx, r.pathParam("id"))
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, a.importOut(imp, results), nil
	})
}
