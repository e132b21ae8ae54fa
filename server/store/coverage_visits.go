package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// The officials' part of the coverage summary (migration 0027): beside a cell's months, one row for each expected
// meeting of the cell and each official assigned to it, with the visit's outcome as visitOf decides it. The rows
// are built and stored with the cell's months (rebuildCoverage, storeCoverage), under the same stamp, so they are
// current exactly when the months are; OfficialTallies over a province sums them instead of reading every meeting,
// report and assignment of it.

// coverageVisit is a row of coverage_visits: an official's visit (an expected meeting) of a cell. The flags are
// 0 or 1 so that a reader sums them. Whether a report is overdue depends on the day of the read: the row keeps
// whether it is still owed (Pending) and the last day it was timely (Due).
type coverageVisit struct {
	bun.BaseModel `bun:"table:coverage_visits"`
	CellID        string      `bun:"cell_id"`
	OfficialID    string      `bun:"official_id"`
	MeetingID     string      `bun:"meeting_id,nullzero"` // none when the meeting expected is not recorded
	Day           domain.Date `bun:"day"`
	Due           domain.Date `bun:"due"`
	W12           int         `bun:"w12"`
	Visited       int         `bun:"visited"`
	Reported      int         `bun:"reported"`
	Timely        int         `bun:"timely"`
	Verified      int         `bun:"verified"`
	Clash         int         `bun:"clash"`
	Unconfirmed   int         `bun:"unconfirmed"`
	Pending       int         `bun:"pending"`
}

// visitRows are the officials' visits of cell c over d's period: for each official assigned to it, the expected
// meetings visitOf counts for the official.
func (d *coverageData) visitRows(c cellRow) []coverageVisit {
	var out []coverageVisit
	rule := d.rules[c.Path].Rule
	seen := map[string]bool{}
	for _, a := range d.assign[c.ID] {
		if seen[a.OfficialID] {
			continue
		}
		seen[a.OfficialID] = true
		for _, e := range d.expected[c.ID] {
			v, ok := d.visitOf(c, e, rule, a.OfficialID)
			if !ok {
				continue
			}
			out = append(out, coverageVisit{CellID: c.ID, OfficialID: a.OfficialID, MeetingID: e.MeetingID, Day: e.Date, Due: v.due, W12: v.w12,
				Visited: b2i(v.visited), Reported: b2i(v.reported), Timely: b2i(v.timely), Verified: b2i(v.verified),
				Clash: b2i(v.clash), Unconfirmed: b2i(v.unconfirmed), Pending: b2i(v.pending)})
		}
	}
	return out
}

// officialPair is an official assigned to a cell in the period, with the sums of its visits there.
type officialPair struct {
	OfficialID  string `bun:"official_id"`
	CellID      string `bun:"cell_id"`
	DisplayName string `bun:"display_name"`
	NameFold    string `bun:"name_fold"`
	Title       string `bun:"title"`
}

// pairSums are an official's sums of visits of a cell (a group of coverage_visits rows).
type pairSums struct {
	OfficialID  string `bun:"official_id"`
	CellID      string `bun:"cell_id"`
	Visits      int    `bun:"visits"`
	W12         int    `bun:"w12"`
	Visited     int    `bun:"visited"`
	Reported    int    `bun:"reported"`
	Timely      int    `bun:"timely"`
	Verified    int    `bun:"verified"`
	Clashes     int    `bun:"clashes"`
	Unconfirmed int    `bun:"unconfirmed"`
	Overdue     int    `bun:"overdue"`
}

// officialTalliesFromSummary is OfficialTallies' cell part for a unit above cells and a period of whole months:
// it brings the summaries of the unit's cells up to date, then reads the officials assigned to them and the sums of
// their visits, on two connections at once, into byID.
func officialTalliesFromSummary(ctx context.Context, r, w bun.IDB, unit *OrgUnit, p Period, today domain.Date, byID map[string]*OfficialTally) error {
	if _, _, err := summaryCurrent(ctx, r, w, unit, p); err != nil {
		return err
	}
	root, upper := unit.Path, domain.PathUpper(unit.Path)
	// cells keeps the rows whose cell (column col) is under the unit, as the summary's readers find them.
	cells := func(q *bun.SelectQuery, col string) *bun.SelectQuery {
		return q.Join("JOIN org_units AS ou ON ou.id = ?", bun.Safe(col)).
			Where("ou.kind = ? AND ou.path >= ? AND ou.path < ? AND ou.deleted_at IS NULL", domain.KindCell, root, upper)
	}
	var pairs []officialPair
	var sums []pairSums
	err := bothReads(func() error {
		// As loadCoverage reads them: the assignments overlapping the period, of cells open in it.
		return cells(r.NewSelect().TableExpr("assignments AS a").
			ColumnExpr("DISTINCT a.official_id, a.cell_id, u.display_name, u.name_fold, u.title").
			Join("JOIN users AS u ON u.id = a.official_id"), "a.cell_id").
			Where("(ou.opened_on IS NULL OR ou.opened_on <= ?) AND (ou.closed_on IS NULL OR ou.closed_on >= ?)", p.To, p.From).
			Where("a.deleted_at IS NULL AND a.status <> ? AND a.form = ?", domain.AssignmentCancelled, domain.FormCell).
			Where("a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)", p.To, p.From).
			Scan(ctx, &pairs)
	}, func() error {
		return cells(r.NewSelect().TableExpr("coverage_visits AS cv").ColumnExpr("cv.official_id, cv.cell_id, COUNT(*) AS visits").
			ColumnExpr("SUM(cv.w12) AS w12, SUM(cv.visited) AS visited, SUM(cv.reported) AS reported, SUM(cv.timely) AS timely").
			ColumnExpr("SUM(cv.verified) AS verified, SUM(cv.clash) AS clashes, SUM(cv.unconfirmed) AS unconfirmed").
			ColumnExpr("SUM(CASE WHEN cv.pending = 1 AND cv.due < ? THEN 1 ELSE 0 END) AS overdue", today), "cv.cell_id").
			Where("cv.day >= ? AND cv.day <= ?", p.From, p.To).
			GroupExpr("cv.official_id, cv.cell_id").Scan(ctx, &sums)
	})
	if err != nil {
		return domain.Internal(err)
	}
	type key struct{ official, cell string }
	at := make(map[key]int, len(sums))
	for i, s := range sums {
		at[key{s.OfficialID, s.CellID}] = i
	}
	for _, pr := range pairs {
		t := byID[pr.OfficialID]
		if t == nil {
			t = &OfficialTally{UserID: pr.OfficialID, DisplayName: pr.DisplayName, Title: pr.Title, nameFold: pr.NameFold}
			byID[pr.OfficialID] = t
		}
		t.Cells++
		i, ok := at[key{pr.OfficialID, pr.CellID}]
		if !ok {
			continue
		}
		s := sums[i]
		t.addVisits(visitTotals{visits: s.Visits, w12: s.W12, visited: s.Visited, reported: s.Reported, timely: s.Timely,
			verified: s.Verified, overdue: s.Overdue, clashes: s.Clashes, unconfirmed: s.Unconfirmed}.counts())
	}
	return nil
}

// addVisits adds the counts of the official's visits of one cell to its tally.
func (t *OfficialTally) addVisits(vc visitCounts) {
	t.Expected += vc.expected
	t.Attended += vc.visited
	t.Reported += vc.reported
	t.OnTime += vc.timely
	t.Overdue += vc.overdue
	t.Verified += vc.verified
	t.Clashes += vc.clashes
	t.Unconfirmed += vc.unconfirmed
}

// overdueFromSummary is OverdueVisitReports for a unit above cells and a period of whole months: the summary's
// visits still owed whose due date has passed.
func overdueFromSummary(ctx context.Context, r, w bun.IDB, unit *OrgUnit, p Period, today domain.Date) ([]OverdueReport, error) {
	if _, _, err := summaryCurrent(ctx, r, w, unit, p); err != nil {
		return nil, err
	}
	var rows []struct {
		CellID       string      `bun:"cell_id"`
		CellName     string      `bun:"cell_name"`
		ParentName   string      `bun:"parent_name"`
		MeetingID    *string     `bun:"meeting_id"`
		Day          domain.Date `bun:"day"`
		Due          domain.Date `bun:"due"`
		OfficialID   string      `bun:"official_id"`
		OfficialName string      `bun:"official_name"`
		Visited      int         `bun:"visited"`
	}
	err := r.NewSelect().TableExpr("coverage_visits AS cv").
		ColumnExpr("cv.cell_id, ou.name AS cell_name, COALESCE(par.name, '') AS parent_name, cv.meeting_id, cv.day, cv.due").
		ColumnExpr("cv.official_id, u.display_name AS official_name, cv.visited").
		Join("JOIN org_units AS ou ON ou.id = cv.cell_id").
		Join("LEFT JOIN org_units AS par ON par.id = ou.parent_id").
		Join("JOIN users AS u ON u.id = cv.official_id").
		Where("ou.kind = ? AND ou.path >= ? AND ou.path < ? AND ou.deleted_at IS NULL", domain.KindCell, unit.Path, domain.PathUpper(unit.Path)).
		Where("cv.day >= ? AND cv.day <= ? AND cv.pending = 1 AND cv.due < ?", p.From, p.To, today).
		Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	out := make([]OverdueReport, 0, len(rows))
	for _, x := range rows {
		o := OverdueReport{CellID: x.CellID, CellName: x.CellName, ParentName: x.ParentName, MeetingDate: x.Day, DueOn: x.Due,
			DaysOverdue: domain.DaysBetween(x.Due, today), OfficialID: x.OfficialID, OfficialName: x.OfficialName, Attended: x.Visited == 1}
		if x.MeetingID != nil {
			o.MeetingID = *x.MeetingID
		}
		out = append(out, o)
	}
	sortOverdue(out)
	return out, nil
}

// sortOverdue orders overdue reports the longest overdue first, then by cell name, cell, meeting date and official.
func sortOverdue(out []OverdueReport) {
	// Names compare as the lists of units and people do (name_fold): without diacritics, so "Đông" sorts with "Dông",
	// before "Trung" (by bytes, Đ came after every unmarked letter).
	fold := make(map[string]string, 2*len(out))
	key := func(s string) string {
		f, ok := fold[s]
		if !ok {
			f = domain.Fold(s)
			fold[s] = f
		}
		return f
	}
	slices.SortFunc(out, func(a, b OverdueReport) int {
		return cmp.Or(b.DaysOverdue-a.DaysOverdue, strings.Compare(key(a.CellName), key(b.CellName)), strings.Compare(a.CellID, b.CellID),
			a.MeetingDate.Time().Compare(b.MeetingDate.Time()), strings.Compare(a.MeetingID, b.MeetingID),
			strings.Compare(key(a.OfficialName), key(b.OfficialName)), strings.Compare(a.OfficialID, b.OfficialID))
	})
}
