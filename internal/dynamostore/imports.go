package dynamostore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/partnerinvites/partnerinvites/internal/partners"
)

func importSK(id string) string { return "IMPORT#" + id }
func importChunkSK(id string, index int) string {
	return fmt.Sprintf("IMPORT#%s#C#%05d", id, index)
}

type importRecord struct {
	keys
	Type           string     `dynamodbav:"type"`
	ID             string     `dynamodbav:"id"`
	TenantID       string     `dynamodbav:"tenant_id"`
	PartnerID      string     `dynamodbav:"partner_id"`
	Status         string     `dynamodbav:"status"`
	InvitedBy      string     `dynamodbav:"invited_by"`
	Role           string     `dynamodbav:"role"`
	DefaultRole    string     `dynamodbav:"default_role,omitempty"`
	SendEmail      bool       `dynamodbav:"send_email"`
	EmailVerified  bool       `dynamodbav:"email_verified,omitempty"`
	ExpiresInHours int        `dynamodbav:"expires_in_hours,omitempty"`
	RedirectURL    string     `dynamodbav:"redirect_url,omitempty"`
	InviterName    string     `dynamodbav:"inviter_name,omitempty"`
	Template       string     `dynamodbav:"template,omitempty"`
	Rows           int        `dynamodbav:"rows"`
	Done           int        `dynamodbav:"done_rows"`
	Created        int        `dynamodbav:"created"`
	Resent         int        `dynamodbav:"resent"`
	Errors         int        `dynamodbav:"errors"`
	CreatedAt      time.Time  `dynamodbav:"created_at"`
	CompletedAt    *time.Time `dynamodbav:"completed_at,omitempty"`
	TTL            int64      `dynamodbav:"ttl,omitempty"`
}

func (r importRecord) domain() partners.Import {
	return partners.Import{
		ID: r.ID, TenantID: r.TenantID, PartnerID: r.PartnerID, Status: partners.ImportStatus(r.Status),
		InvitedBy: r.InvitedBy, Role: partners.Role(r.Role),
		Options: partners.BulkOptions{
			Role: r.DefaultRole, SendEmail: r.SendEmail, EmailVerified: r.EmailVerified, ExpiresInHours: r.ExpiresInHours,
			RedirectURL: r.RedirectURL, InviterName: r.InviterName, Template: r.Template, Async: true,
		},
		Rows: r.Rows, Done: r.Done, Created: r.Created, Resent: r.Resent, Errors: r.Errors,
		CreatedAt: r.CreatedAt, CompletedAt: timeOf(r.CompletedAt), PurgeAt: unixTime(r.TTL),
	}
}

// entryRecord is one queued row of a chunk.
type entryRecord struct {
	Row       int    `json:"row"`
	Input     string `json:"input"`
	Email     string `json:"email"`
	Role      string `json:"role,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Phone     string `json:"phone,omitempty"`
	JobTitle  string `json:"job_title,omitempty"`
}

type chunkRecord struct {
	keys
	Type     string `dynamodbav:"type"`
	TenantID string `dynamodbav:"tenant_id"`
	ImportID string `dynamodbav:"import_id"`
	Index    int    `dynamodbav:"chunk"`
	Done     bool   `dynamodbav:"done"`
	// Entries is JSON: one attribute, not a list of maps, keeps the item
	// small (a chunk of 250 rows is about 50 KB of its 400 KB).
	Entries string `dynamodbav:"entries,omitempty"`
	Results string `dynamodbav:"results,omitempty"`
	TTL     int64  `dynamodbav:"ttl,omitempty"`
}

func newChunkRecord(c partners.ImportChunk) (chunkRecord, error) {
	r := chunkRecord{
		keys: keys{PK: tenantPK(c.TenantID), SK: importChunkSK(c.ImportID, c.Index)}, Type: TypeImportChunk,
		TenantID: c.TenantID, ImportID: c.ImportID, Index: c.Index, Done: c.Done, Results: c.Results,
	}
	if len(c.Entries) > 0 {
		entries := make([]entryRecord, len(c.Entries))
		for i, e := range c.Entries {
			entries[i] = entryRecord{Row: e.Row, Input: e.Input, Email: e.Email, Role: e.Role, FirstName: e.FirstName, LastName: e.LastName, Phone: e.Phone, JobTitle: e.JobTitle}
		}
		b, err := json.Marshal(entries)
		if err != nil {
			return chunkRecord{}, fmt.Errorf("encode chunk entries: %w", err)
		}
		r.Entries = string(b)
	}
	return r, nil
}

func (r chunkRecord) domain() (partners.ImportChunk, error) {
	c := partners.ImportChunk{TenantID: r.TenantID, ImportID: r.ImportID, Index: r.Index, Done: r.Done, Results: r.Results}
	if r.Entries != "" {
		var entries []entryRecord
		if err := json.Unmarshal([]byte(r.Entries), &entries); err != nil {
			return c, fmt.Errorf("decode chunk entries: %w", err)
		}
		for _, e := range entries {
			c.Entries = append(c.Entries, partners.BulkEntry{Row: e.Row, Input: e.Input, Email: e.Email, Role: e.Role, FirstName: e.FirstName, LastName: e.LastName, Phone: e.Phone, JobTitle: e.JobTitle})
		}
	}
	return c, nil
}

// CreateImport writes the chunks (BatchWriteItem, 25 at a
// time), then the job: a chunk's insert is what starts its processing, and
// the worker waits for the job before it invites anyone.
func (s *Store) CreateImport(ctx context.Context, imp partners.Import, chunks []partners.ImportChunk) error {
	job := importRecord{
		keys: keys{PK: tenantPK(imp.TenantID), SK: importSK(imp.ID)}, Type: TypeImport,
		ID: imp.ID, TenantID: imp.TenantID, PartnerID: imp.PartnerID, Status: string(imp.Status),
		InvitedBy: imp.InvitedBy, Role: string(imp.Role), DefaultRole: imp.Options.Role, SendEmail: imp.Options.SendEmail,
		EmailVerified: imp.Options.EmailVerified, ExpiresInHours: imp.Options.ExpiresInHours, RedirectURL: imp.Options.RedirectURL, InviterName: imp.Options.InviterName,
		Template: imp.Options.Template,
		Rows:     imp.Rows, Done: imp.Done, Created: imp.Created, Resent: imp.Resent, Errors: imp.Errors,
		CreatedAt: imp.CreatedAt, CompletedAt: timePtr(imp.CompletedAt), TTL: unixOrZero(imp.PurgeAt),
	}
	var writes []types.WriteRequest
	for _, c := range chunks {
		r, err := newChunkRecord(c)
		if err != nil {
			return err
		}
		r.TTL = job.TTL // the chunks die with their job
		item, err := attributevalue.MarshalMap(r)
		if err != nil {
			return fmt.Errorf("encode chunk: %w", err)
		}
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
	}
	for start := 0; start < len(writes); start += 25 {
		if err := s.batchWrite(ctx, writes[start:min(start+25, len(writes))]); err != nil {
			return fmt.Errorf("write chunks of %s: %w", imp.ID, err)
		}
	}
	// The job last: it is what makes the import exist. A request that dies
	// before it leaves chunks that the worker drops, never a job that
	// cannot complete.
	if err := s.putNew(ctx, job, "import"); err != nil {
		return err
	}
	return nil
}

func (s *Store) batchWrite(ctx context.Context, writes []types.WriteRequest) error {
	request := map[string][]types.WriteRequest{s.table: writes}
	for attempt := 0; len(request) > 0; attempt++ {
		if attempt > 10 {
			return fmt.Errorf("batch write: items still unprocessed after %d attempts", attempt)
		}
		out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: request})
		if err != nil {
			return err
		}
		request = out.UnprocessedItems
	}
	return nil
}

// GetImport returns a job.
func (s *Store) GetImport(ctx context.Context, tenantID, id string) (partners.Import, error) {
	var r importRecord
	if err := s.get(ctx, tenantPK(tenantID), importSK(id), "import "+id, &r); err != nil {
		return partners.Import{}, err
	}
	return r.domain(), nil
}

// GetImportChunk returns one chunk.
func (s *Store) GetImportChunk(ctx context.Context, tenantID, id string, index int) (partners.ImportChunk, error) {
	var r chunkRecord
	if err := s.get(ctx, tenantPK(tenantID), importChunkSK(id, index), fmt.Sprintf("chunk %d of import %s", index, id), &r); err != nil {
		return partners.ImportChunk{}, err
	}
	return r.domain()
}

// ListImportChunks returns a job's chunks in order.
func (s *Store) ListImportChunks(ctx context.Context, tenantID, id string) ([]partners.ImportChunk, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(tenantPK(tenantID)), ":prefix": str(importSK(id) + "#C#")},
		ConsistentRead:            aws.Bool(true),
	})
	var out []partners.ImportChunk
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query chunks of %s: %w", id, err)
		}
		var records []chunkRecord
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &records); err != nil {
			return nil, fmt.Errorf("decode chunks of %s: %w", id, err)
		}
		for _, r := range records {
			c, err := r.domain()
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// CompleteImportChunk stores a chunk's results and adds its counts to the
// job in one transaction, then reads the job back.
func (s *Store) CompleteImportChunk(ctx context.Context, c partners.ImportChunk, n partners.ImportCounts) (partners.Import, error) {
	var t txn
	t.add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(c.TenantID), importChunkSK(c.ImportID, c.Index)),
		UpdateExpression:          aws.String("SET done = :true, results = :results REMOVE entries"),
		ConditionExpression:       aws.String("done = :false"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}, ":false": &types.AttributeValueMemberBOOL{Value: false}, ":results": str(c.Results)},
	}}, partners.ConflictAlreadyDone, c.ImportID)
	t.add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(c.TenantID), importSK(c.ImportID)),
		UpdateExpression: aws.String("ADD done_rows :done, created :created, resent :resent, errors :errors"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":done": num(n.Done), ":created": num(n.Created), ":resent": num(n.Resent), ":errors": num(n.Errors),
		},
	}}, "", "")
	err := s.transact(ctx, t)
	if refusedFor(err, partners.ConflictAlreadyDone) {
		return partners.Import{}, partners.Errorf(partners.Conflict, "Chunk %d of %s is done already.", c.Index, c.ImportID)
	}
	if err != nil {
		return partners.Import{}, fmt.Errorf("complete chunk %d of %s: %w", c.Index, c.ImportID, err)
	}
	return s.GetImport(ctx, c.TenantID, c.ImportID)
}

// RequeueImportChunk bumps a chunk's waits, if it is not done: the update
// is a new stream record for the worker.
func (s *Store) RequeueImportChunk(ctx context.Context, tenantID, importID string, index int) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), importChunkSK(importID, index)),
		UpdateExpression:          aws.String("ADD waits :one"),
		ConditionExpression:       aws.String("done = :false"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":false": &types.AttributeValueMemberBOOL{Value: false}},
	})
	if isConditionFailed(err) {
		return partners.Errorf(partners.Conflict, "Chunk %d of %s is done.", index, importID)
	}
	if err != nil {
		return fmt.Errorf("requeue chunk %d of %s: %w", index, importID, err)
	}
	return nil
}

// ReplaceImportChunkResults replaces a done chunk's sealed results if they
// are still the ones read.
func (s *Store) ReplaceImportChunkResults(ctx context.Context, c partners.ImportChunk, results string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(c.TenantID), importChunkSK(c.ImportID, c.Index)),
		UpdateExpression:          aws.String("SET results = :new"),
		ConditionExpression:       aws.String("done = :true AND results = :old"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":true": &types.AttributeValueMemberBOOL{Value: true}, ":old": str(c.Results), ":new": str(results)},
	})
	if isConditionFailed(err) {
		return partners.Errorf(partners.Conflict, "Chunk %d of %s changed meanwhile.", c.Index, c.ImportID)
	}
	if err != nil {
		return fmt.Errorf("replace results of chunk %d of %s: %w", c.Index, c.ImportID, err)
	}
	return nil
}

// CompleteImport marks a job completed, once.
func (s *Store) CompleteImport(ctx context.Context, tenantID, id string, at time.Time) error {
	completedAt, err := attributevalue.Marshal(at)
	if err != nil {
		return err
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(tenantPK(tenantID), importSK(id)),
		UpdateExpression:          aws.String("SET #status = :completed, completed_at = :at"),
		ConditionExpression:       aws.String("#status = :processing"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":completed": str(string(partners.ImportCompleted)), ":processing": str(string(partners.ImportProcessing)), ":at": completedAt},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("complete import %s: %w", id, err)
	}
	return nil
}
