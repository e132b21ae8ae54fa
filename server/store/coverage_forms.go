package store

// Coverage of the commune's meetings of the other forms (issue #12): per commune and month, the briefings held
// (and the cells that reported at them, of the commune's cells), the dialogues held, the expanded committee
// meetings held and attended by an official assigned to them; and each assigned official's tally of those.
// The cells' own coverage (coverage.go) counts cell meetings only.

import (
	"context"
	"database/sql"
	"errors"
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
	cells       []cellRow
	meetings    []formsMeeting
	reports     []briefingCell
	present     map[string]map[string]bool // meeting → users present
	assignments []Assignment
	byCommune   map[string][]int  // commune id → indexes of its committee assignments
	names       map[string]string // official id → display name
}

// formsMeeting is what the forms' coverage needs of a meeting of the other forms.
type formsMeeting struct {
	ID          string      `bun:"id"`
	CellID      string      `bun:"cell_id"`
	Form        string      `bun:"form"`
	MeetingDate domain.Date `bun:"meeting_date"`
}

// briefingCell is a cell that reported at a briefing (a briefing_reports row, without its text).
type briefingCell struct {
	MeetingID string `bun:"meeting_id"`
	CellID    string `bun:"cell_id"`
}

// loadFormsData reads the meetings of the other forms held under root in the period, with what their coverage
// needs; committee limits it to the expanded committee meetings and their assignments (the officials' tallies).
func loadFormsData(ctx context.Context, db bun.IDB, root string, p Period, committee bool) (*formsData, error) {
	d := &formsData{zones: map[string]int{}, present: map[string]map[string]bool{}, byCommune: map[string][]int{}, names: map[string]string{}}
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
	forms := []domain.MeetingForm{domain.FormCommittee}
	if !committee {
		forms = append(forms, domain.FormBriefing, domain.FormDialogue)
		var zones []Zone
		if err := db.NewSelect().Model(&zones).Where("zn.commune_id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
			return nil, domain.Internal(err)
		}
		for _, z := range zones {
			d.zones[z.CommuneID]++
		}
		var err error
		if d.cells, err = cellsUnder(ctx, db, []string{root}, nil); err != nil {
			return nil, err
		}
	}
	if err := db.NewSelect().TableExpr("meetings AS mt").ColumnExpr("mt.id, mt.cell_id, mt.form, mt.meeting_date").
		Where("mt.cell_id IN (?) AND mt.form IN (?) AND mt.status = ? AND mt.deleted_at IS NULL", bun.List(ids), bun.List(forms), domain.MeetingHeld).
		Where("mt.meeting_date >= ? AND mt.meeting_date <= ?", p.From, p.To).Scan(ctx, &d.meetings); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Internal(err)
	}
	var briefings, committees []string
	for _, m := range d.meetings {
		switch domain.MeetingForm(m.Form) {
		case domain.FormBriefing:
			briefings = append(briefings, m.ID)
		case domain.FormCommittee:
			committees = append(committees, m.ID)
		}
	}
	for _, chunk := range chunks(briefings, 500) {
		var reps []briefingCell
		if err := db.NewSelect().TableExpr("briefing_reports AS br").ColumnExpr("br.meeting_id, br.cell_id").
			Where("br.meeting_id IN (?) AND br.deleted_at IS NULL", bun.List(chunk)).Scan(ctx, &reps); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		d.reports = append(d.reports, reps...)
	}
	for _, chunk := range chunks(committees, 500) {
		var parts []struct {
			MeetingID string `bun:"meeting_id"`
			UserID    string `bun:"user_id"`
		}
		if err := db.NewSelect().TableExpr("meeting_participants AS mp").ColumnExpr("mp.meeting_id, mp.user_id").
			Where("mp.meeting_id IN (?) AND mp.present AND mp.user_id IS NOT NULL AND mp.deleted_at IS NULL", bun.List(chunk)).
			Scan(ctx, &parts); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, domain.Internal(err)
		}
		for _, x := range parts {
			if d.present[x.MeetingID] == nil {
				d.present[x.MeetingID] = map[string]bool{}
			}
			d.present[x.MeetingID][x.UserID] = true
		}
	}
	if err := db.NewSelect().Model(&d.assignments).Where("a.cell_id IN (?) AND a.form = ? AND a.status <> ?", bun.List(ids), domain.FormCommittee, domain.AssignmentCancelled).
		Where("a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on >= ?)", p.To, p.From).OrderExpr("a.official_id, a.cell_id, a.id").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	for i, a := range d.assignments {
		d.byCommune[a.CellID] = append(d.byCommune[a.CellID], i)
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
func (d *formsData) attendedBy(m *formsMeeting, officials map[string]bool) bool {
	ok := false
	for _, i := range d.byCommune[m.CellID] {
		a := &d.assignments[i]
		if a.covers(m.MeetingDate) && d.present[m.ID][a.OfficialID] {
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
	d, err := loadFormsData(ctx, db, root, p, false)
	if err != nil {
		return nil, err
	}
	// The cells of each commune (the commune on their path), the meetings of each commune and month, the cells that
	// reported at each briefing.
	communeAt := make(map[string]string, len(d.communes)) // path → id
	for _, c := range d.communes {
		communeAt[c.Path] = c.ID
	}
	cellsOf := map[string][]*cellRow{}
	for i := range d.cells {
		cell := &d.cells[i]
		for j := len(cell.Path) - 2; j > 0; j-- {
			if cell.Path[j] != '/' {
				continue
			}
			if id, ok := communeAt[cell.Path[:j+1]]; ok {
				cellsOf[id] = append(cellsOf[id], cell)
				break
			}
		}
	}
	type communeMonth struct{ commune, month string }
	held := map[communeMonth][]*formsMeeting{}
	for i := range d.meetings {
		mt := &d.meetings[i]
		k := communeMonth{mt.CellID, mt.MeetingDate.String()[:7]}
		held[k] = append(held[k], mt)
	}
	reportsOf := map[string][]string{} // briefing → cells
	for _, br := range d.reports {
		reportsOf[br.MeetingID] = append(reportsOf[br.MeetingID], br.CellID)
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
			for _, cell := range cellsOf[c.ID] {
				if (cell.ClosedOn.IsZero() || !cell.ClosedOn.Before(m)) && (cell.OpenedOn.IsZero() || !cell.OpenedOn.After(end)) {
					open[cell.ID] = true
				}
			}
			r.Cells = len(open)
			reported := map[string]bool{}
			for _, mt := range held[communeMonth{c.ID, mk}] {
				switch domain.MeetingForm(mt.Form) {
				case domain.FormBriefing:
					r.BriefingsHeld++
					for _, cell := range reportsOf[mt.ID] {
						if open[cell] {
							reported[cell] = true
						}
					}
				case domain.FormDialogue:
					r.DialoguesHeld++
				case domain.FormCommittee:
					r.CommitteeHeld++
					if d.attendedBy(mt, nil) {
						r.CommitteeAttended++
					}
				}
			}
			r.CellsReported = len(reported)
			officials := map[string]bool{}
			for _, i := range d.byCommune[c.ID] {
				if a := &d.assignments[i]; a.overlapsMonth(m, p) {
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
	d, err := loadFormsData(ctx, db, root, p, true)
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
		if domain.MeetingForm(mt.Form) != domain.FormCommittee {
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
