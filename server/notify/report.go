package notify

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// KindReportReopened tells supervisors that an official reopened a submitted visit report to change it.
const KindReportReopened = "report_reopened"

// ReportReopened tells the supervisors over a meeting's cell (supervisor grants on the cell or a unit above it, or
// on the whole installation) that the official reopened a submitted visit report, and why. The link opens the
// meeting's reports with their history. It runs inside the transaction that reopens the report.
func ReportReopened(ctx context.Context, tx bun.IDB, r *store.VisitReport, m *store.Meeting, reason string, now time.Time) error {
	var cell store.OrgUnit
	if err := tx.NewSelect().Model(&cell).Column("name", "path").Where("id = ?", m.CellID).Scan(ctx); err != nil {
		return domain.Internal(err)
	}
	var official string
	if err := tx.NewSelect().Model((*store.User)(nil)).Column("display_name").Where("id = ?", r.OfficialID).Scan(ctx, &official); err != nil {
		return domain.Internal(err)
	}
	units := strings.Split(strings.Trim(cell.Path, "/"), "/")
	var sups []string
	if err := tx.NewSelect().Model((*store.RoleGrant)(nil)).Column("user_id").Where("role = ?", domain.RoleSupervisor).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("org_unit_id IN (?)", bun.List(units)).WhereOr("org_unit_id IS NULL")
		}).Scan(ctx, &sups); err != nil {
		return domain.Internal(err)
	}
	seen := map[string]bool{}
	for _, u := range sups {
		if seen[u] || u == r.OfficialID {
			continue
		}
		seen[u] = true
		_, err := Send(ctx, tx, Note{UserID: u, Kind: KindReportReopened,
			Args: map[string]string{"cell": cell.Name, "date": m.MeetingDate.VN(), "official": official, "reason": clip(reason, 200)},
			Link: "#/mr/" + m.ID, Data: map[string]string{"meeting_id": m.ID, "visit_report_id": r.ID},
			TTL: 72 * time.Hour, Urgency: "normal", Topic: "report:" + r.ID}, now)
		if err != nil {
			return err
		}
	}
	return nil
}
