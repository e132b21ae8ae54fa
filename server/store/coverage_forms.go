package store

// Coverage of the commune's meetings of the other forms (issue #12): per commune and month, the briefings held
// (and the cells that reported at them, of the commune's cells), the dialogues held, the expanded committee
// meetings held and attended by an official assigned to them; and each assigned official's tally of those.
// The cells' own coverage (coverage.go) counts cell meetings only.

import (
	"context"
	"sort"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// FormsCoverageRow is a commune's month of meetings of the other forms.
type FormsCoverageRow struct {
	CommuneID   string `json:"commune_id"`
	CommuneName string `json:"commune_name"`
	Month       string `json:"month"`
	// BriefingsExpected: one per zone (or one for a commune without zones); BriefingsHeld: those held.
	BriefingsExpected int `json:"briefings_expected"`
	BriefingsHeld     int `json:"briefings_held"`
	// CellsReported of Cells: the commune's open cells with a report at a held briefing of the month.
	CellsReported int `json:"cells_reported"`
	Cells         int `json:"cells"`
	DialoguesHeld int `json:"dialogues_held"`
	// CommitteeHeld: expanded committee meetings held; CommitteeAttended: those of them an official assigned to
	// them (on the day) attended (a participant present with the official's user id); CommitteeAssigned: the
	// officials assigned in the month.
	CommitteeHeld     int `json:"committee_held"`
	CommitteeAttended int `json:"committee_attended"`
	CommitteeAssigned int `json:"committee_assigned"`
}

// CommitteeTally is an official's tally of expanded committee meetings in a period: the months its committee
// assignments cover (one meeting expected per commune and month) and the meetings it attended.
type CommitteeTally struct {
	OfficialID   string `json:"official_id"`
	OfficialName string `json:"official_name"`
	CommuneID    string `json:"commune_id"`
	CommuneName  string `json:"commune_name"`
	Expected     int    `json:"expected"`
	Attended     int    `json:"attended"`
}

type formsData struct {
	communes    []OrgUnit
	zones       map[string]int // zones per commune
	cells       []OrgUnit
	meetings    []Meeting
	reports     []BriefingReport
	present     map[string]map[string]bool // meeting → users present
	assignments []Assignment
	names       map[string]string // official id → display name
}

func loadFormsData(ctx context.Context, db bun.IDB, root string, p Period) (*formsData, error) {
	d := &formsData{zones: map[string]int{}, present: map[string]map[string]bool{}, names: map[string]string{}}
	if err := db.NewSelect().Model(&d.communes).Where("ou.kind = ? AND ou.path >= ? AND ou.path < ?", domain.KindCommune, root, domain.PathUpper(root)).
		OrderExpr("ou.name, ou.id").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	if len(d.communes) == 0 {
		return d, nil
	}
	ids := make([]string, len(d.communes))
	for i, c := range d.communes {
		ids[i] = c.ID
	}
	var zones []Zone
	if err := db.NewSelect().Model(&zones).Where("zn.commune_id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	for _, z := range zones {
		d.zones[z.CommuneID]++
	}
	if err := db.NewSelect().Model(&d.cells).Where("ou.kind = ? AND ou.path >= ? AND ou.path < ?", domain.KindCell, root, domain.PathUpper(root)).
		Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	if err := db.NewSelect().Model(&d.meetings).Where("mt.cell_id IN (?) AND mt.form <> ? AND mt.status = ?", bun.List(ids), domain.FormCell, domain.MeetingHeld).
		Where("mt.meeting_date >= ? AND mt.meeting_date <= ?", p.From, p.To).Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	if len(d.meetings) > 0 {
		mids := make([]string, len(d.meetings))
		for i, m := range d.meetings {
			mids[i] = m.ID
		}
		for _, chunk := range chunks(mids, 500) {
			var reps []BriefingReport
			if err := db.NewSelect().Model(&reps).Where("br.meeting_id IN (?)", bun.List(chunk)).Scan(ctx); err != nil {
				return nil, domain.Internal(err)
			}
			d.reports = append(d.reports, reps...)
			var parts []MeetingParticipant
			if err := db.NewSelect().Model(&parts).Where("mp.meeting_id IN (?) AND mp.present AND mp.user_id IS NOT NULL", bun.List(chunk)).Scan(ctx); err != nil {
				return nil, domain.Internal(err)
			}
			for _, x := range parts {
				if d.present[x.MeetingID] == nil {
					d.present[x.MeetingID] = map[string]bool{}
				}
				d.present[x.MeetingID][*x.UserID] = true
			}
		}
	}
	if err := db.NewSelect().Model(&d.assignments).Where("a.cell_id IN (?) AND a.form = ? AND a.status <> ?", bun.List(ids), domain.FormCommittee, domain.AssignmentCancelled).
		Where("a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)", p.To, p.From).OrderExpr("a.official_id, a.cell_id, a.id").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	if len(d.assignments) > 0 {
		var users []User
		offs := make([]string, len(d.assignments))
		for i, a := range d.assignments {
			offs[i] = a.OfficialID
		}
		if err := db.NewSelect().Model(&users).Column("id", "display_name").Where("id IN (?)", bun.List(offs)).Scan(ctx); err != nil {
			return nil, domain.Internal(err)
		}
		for _, u := range users {
			d.names[u.ID] = u.DisplayName
		}
	}
	return d, nil
}

// covers reports whether assignment a covers day.
func (a *Assignment) covers(day domain.Date) bool {
	return !a.StartsOn.After(day) && (a.EndsOn.IsZero() || !a.EndsOn.Before(day))
}

// overlapsMonth reports whether assignment a covers some day of the month starting at m within p.
func (a *Assignment) overlapsMonth(m domain.Date, p Period) bool {
	from, to := m, m.AddMonths(1).AddDays(-1)
	if from.Before(p.From) {
		from = p.From
	}
	if to.After(p.To) {
		to = p.To
	}
	return !a.StartsOn.After(to) && (a.EndsOn.IsZero() || !a.EndsOn.Before(from))
}

// attendedBy reports whether an official assigned (on the day) to the committee meetings of m's commune attended
// m; officials is filled with those who did.
func (d *formsData) attendedBy(m *Meeting, officials map[string]bool) bool {
	ok := false
	for i := range d.assignments {
		a := &d.assignments[i]
		if a.CellID == m.CellID && a.covers(m.MeetingDate) && d.present[m.ID][a.OfficialID] {
			ok = true
			if officials != nil {
				officials[a.OfficialID] = true
			}
		}
	}
	return ok
}

// FormsCoverage reports, for each commune under root (itself included) and each month of the period, its
// meetings of the other forms (FormsCoverageRow), communes by name, months in order.
func FormsCoverage(ctx context.Context, db bun.IDB, root string, p Period) ([]FormsCoverageRow, error) {
	d, err := loadFormsData(ctx, db, root, p)
	if err != nil {
		return nil, err
	}
	out := []FormsCoverageRow{}
	for _, c := range d.communes {
		for _, m := range p.Months() {
			mk := m.String()[:7]
			end := m.AddMonths(1).AddDays(-1)
			if !c.ClosedOn.IsZero() && c.ClosedOn.Before(m) || !c.OpenedOn.IsZero() && c.OpenedOn.After(end) {
				continue
			}
			r := FormsCoverageRow{CommuneID: c.ID, CommuneName: c.Name, Month: mk, BriefingsExpected: max(1, d.zones[c.ID])}
			open := map[string]bool{}
			for _, cell := range d.cells {
				if domain.Under(cell.Path, c.Path) && (cell.ClosedOn.IsZero() || !cell.ClosedOn.Before(m)) && (cell.OpenedOn.IsZero() || !cell.OpenedOn.After(end)) {
					open[cell.ID] = true
				}
			}
			r.Cells = len(open)
			briefings := map[string]bool{}
			for i := range d.meetings {
				mt := &d.meetings[i]
				if mt.CellID != c.ID || mt.MeetingDate.String()[:7] != mk {
					continue
				}
				switch mt.Form {
				case domain.FormBriefing:
					r.BriefingsHeld++
					briefings[mt.ID] = true
				case domain.FormDialogue:
					r.DialoguesHeld++
				case domain.FormCommittee:
					r.CommitteeHeld++
					if d.attendedBy(mt, nil) {
						r.CommitteeAttended++
					}
				}
			}
			reported := map[string]bool{}
			for _, br := range d.reports {
				if briefings[br.MeetingID] && open[br.CellID] {
					reported[br.CellID] = true
				}
			}
			r.CellsReported = len(reported)
			officials := map[string]bool{}
			for i := range d.assignments {
				if a := &d.assignments[i]; a.CellID == c.ID && a.overlapsMonth(m, p) {
					officials[a.OfficialID] = true
				}
			}
			r.CommitteeAssigned = len(officials)
			out = append(out, r)
		}
	}
	return out, nil
}

// CommitteeTallies reports each official assigned to the expanded committee meetings of a commune under root:
// per commune, the months of the period its assignments cover (a meeting expected each) and the meetings it
// attended; by official name, then commune.
func CommitteeTallies(ctx context.Context, db bun.IDB, root string, p Period) ([]CommitteeTally, error) {
	d, err := loadFormsData(ctx, db, root, p)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, c := range d.communes {
		names[c.ID] = c.Name
	}
	type key struct{ off, commune string }
	tallies := map[key]*CommitteeTally{}
	for i := range d.assignments {
		a := &d.assignments[i]
		k := key{a.OfficialID, a.CellID}
		t := tallies[k]
		if t == nil {
			t = &CommitteeTally{OfficialID: a.OfficialID, OfficialName: d.names[a.OfficialID], CommuneID: a.CellID, CommuneName: names[a.CellID]}
			tallies[k] = t
		}
	}
	for k, t := range tallies {
		for _, m := range p.Months() {
			for i := range d.assignments {
				if a := &d.assignments[i]; a.OfficialID == k.off && a.CellID == k.commune && a.overlapsMonth(m, p) {
					t.Expected++
					break
				}
			}
		}
	}
	for i := range d.meetings {
		mt := &d.meetings[i]
		if mt.Form != domain.FormCommittee {
			continue
		}
		offs := map[string]bool{}
		d.attendedBy(mt, offs)
		for off := range offs {
			if t := tallies[key{off, mt.CellID}]; t != nil {
				t.Attended++
			}
		}
	}
	out := make([]CommitteeTally, 0, len(tallies))
	for _, t := range tallies {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].OfficialName != out[j].OfficialName {
			return out[i].OfficialName < out[j].OfficialName
		}
		if out[i].CommuneName != out[j].CommuneName {
			return out[i].CommuneName < out[j].CommuneName
		}
		return out[i].OfficialID+out[i].CommuneID < out[j].OfficialID+out[j].CommuneID
	})
	return out, nil
}

// addCommitteeTallies adds to the officials' tallies byID (by official) their expanded committee meetings under
// unit in the period, adding the officials assigned only to those.
func addCommitteeTallies(ctx context.Context, db bun.IDB, unit *OrgUnit, p Period, byID map[string]*OfficialTally) error {
	rows, err := CommitteeTallies(ctx, db, unit.Path, p)
	if err != nil || len(rows) == 0 {
		return err
	}
	var missing []string
	for _, r := range rows {
		t := byID[r.OfficialID]
		if t == nil {
			t = &OfficialTally{UserID: r.OfficialID, DisplayName: r.OfficialName}
			byID[r.OfficialID] = t
			missing = append(missing, r.OfficialID)
		}
		t.CommitteeExpected += r.Expected
		t.CommitteeAttended += r.Attended
	}
	if len(missing) > 0 {
		var users []User
		if err := db.NewSelect().Model(&users).Column("id", "title", "name_fold").Where("id IN (?)", bun.List(missing)).Scan(ctx); err != nil {
			return domain.Internal(err)
		}
		for _, u := range users {
			byID[u.ID].Title, byID[u.ID].nameFold = u.Title, u.NameFold
		}
	}
	return nil
}
