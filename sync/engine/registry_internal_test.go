package engine

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/demo"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/wire"
)

// TestEveryWritableTableHasARule checks the engine has a check for each table the registry lets devices write,
// and none for a table devices cannot write; and that each bucket class reaches devices through some scope kind.
func TestEveryWritableTableHasARule(t *testing.T) {
	var writable []string
	for _, tb := range store.Tables() {
		if tb.Write != nil {
			writable = append(writable, tb.Name)
			if _, ok := specs[tb.Name]; !ok {
				t.Errorf("%s: devices may write it but the push does not accept it", tb.Name)
			}
		}
		// Users are logged (a root scope would cover them) but no device holds a root scope since supervisors
		// read their subtree through the API; every other class reaches devices.
		reached := slices.ContainsFunc([][]string{cellClasses, unitClasses, userClasses, refClasses},
			func(cs []string) bool { return slices.Contains(cs, tb.Class) })
		if tb.Class != "" && !reached && tb.Class != store.ClassUsers {
			t.Errorf("%s: no scope kind covers class %s, so no device receives its rows", tb.Name, tb.Class)
		}
		if tb.Class == store.ClassUsers && reached {
			t.Errorf("%s: class %s reaches devices again: update PROTOCOL.md's scopes", tb.Name, tb.Class)
		}
	}
	for name, r := range rules {
		if !slices.Contains(writable, name) {
			t.Errorf("%s has a push rule but the registry gives it no write spec", name)
		}
		if r.authorize == nil {
			t.Errorf("%s: no authorize check", name)
		}
	}
}

// coveredBy is the Go reading of where: is a row in bucket s sent to a device holding def?
func coveredBy(def wire.ScopeDef, s store.Scope, win string) bool {
	if !slices.Contains(def.Classes, s.Class) || (s.Part != "" && s.Part < win) {
		return false
	}
	switch def.Kind {
	case wire.KindCell, wire.KindRoot:
		return s.Path >= def.Path && s.Path < domain.PathUpper(def.Path)
	case wire.KindUnit:
		if slices.Contains(wire.SubtreeClasses, s.Class) {
			return s.Path >= def.Path && s.Path < domain.PathUpper(def.Path)
		}
		return s.Path == def.Path
	case wire.KindUser:
		return s.Scope == def.ID
	case wire.KindRef:
		return (len(def.Refs) == 1 && def.Refs[0] == "*") || slices.Contains(def.Refs, s.Scope)
	}
	return false
}

// TestSnapshotsMatchBuckets checks, on the demo data plus the rows it lacks (a user without a home unit, a
// province's own reference data, a conflict, a deleted meeting), that for every table and every scope the rows a
// snapshot selects (the SQL derived from the owner rule) are exactly the rows whose bucket, as the Scoper computes
// it from the same rule, the scope covers; and that they add up to the checksums the kept buckets give.
func TestSnapshotsMatchBuckets(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	today := domain.NewDate(2026, 4, 10)
	sum, err := demo.Generate(ctx, db, demo.Config{Seed: 7, Communes: 2, CellsPerCommune: 3, MembersPerCell: 6,
		Officials: 3, Months: 4, Today: today, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	var cell store.OrgUnit
	if err := db.R.NewSelect().Model(&cell).Where("kind = ?", domain.KindCell).OrderExpr("id").Limit(1).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	province := sum.ProvinceID
	err = db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		rows := []store.SyncRow{
			&store.User{Username: "nohome", DisplayName: "Không đơn vị", PasswordHash: "x", Active: true, Locale: "vi"},
			&store.RecommendationField{ProvinceID: &province, Code: "own", NameVI: "Riêng", NameEN: "Own", Active: true},
			&store.Meeting{CellID: cell.ID, MeetingDate: today.AddDays(-3), Type: domain.MeetingRegular,
				Mode: domain.MeetingInPerson, Status: domain.MeetingHeld},
		}
		rb := &store.Rubric{ProvinceID: &province, Name: "Riêng", ValidFrom: today, GoodMin: 90, FairMin: 70, AverageMin: 50}
		rows = append(rows, rb)
		for _, r := range rows {
			if err := store.Insert(ctx, tx, r); err != nil {
				return err
			}
		}
		if err := store.Insert(ctx, tx, &store.RubricCriterion{RubricID: rb.ID, Code: "c1", MaxPoints: 100}); err != nil {
			return err
		}
		if err := formRows(ctx, tx, cell, today); err != nil {
			return err
		}
		// proof of attendance: a confirmation and a photo (the demo gives every cell its position)
		m2 := &store.Meeting{CellID: cell.ID, MeetingDate: today.AddDays(-5), Status: domain.MeetingHeld}
		official := rows[0].(*store.User).ID
		if err := store.Insert(ctx, tx, m2); err != nil {
			return err
		}
		for _, r := range []store.SyncRow{
			&store.VisitConfirmation{Base: store.Base{ID: wire.ConfirmationID(m2.ID, official)}, MeetingID: m2.ID, OfficialID: official, Status: domain.ConfirmConfirmed},
			&store.MeetingFile{MeetingID: m2.ID, Kind: domain.FileAttendanceSheet, SHA256: strings.Repeat("ab", 32), Size: 1000, Mime: "image/jpeg"},
		} {
			if err := store.Insert(ctx, tx, r); err != nil {
				return err
			}
		}
		s, err := store.ScopeOf(ctx, tx, rows[2])
		if err != nil {
			return err
		}
		c := &store.Conflict{Table: "meetings", RowID: rows[2].(*store.Meeting).ID, Field: "topic",
			Class: s.Class, Scope: s.Scope, Path: s.Path, Part: s.Part}
		if err := store.Insert(ctx, tx, c); err != nil {
			return err
		}
		before := store.Clone(rows[2])
		deleted := store.Clone(rows[2])
		now := store.Now()
		store.BaseOf(deleted).DeletedAt = &now
		return store.Update(ctx, tx, before, deleted)
	})
	if err != nil {
		t.Fatal(err)
	}

	// Every live row and its bucket, as the Scoper computes it.
	type scoped struct {
		table, id string
		version   int64
		scope     store.Scope
	}
	var all []scoped
	sc := store.NewScoper(db.R)
	for _, tb := range store.Tables() {
		slice := reflect.New(reflect.SliceOf(reflect.TypeOf(tb.New())))
		if err := db.R.NewSelect().Model(slice.Interface()).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		rows := make([]store.SyncRow, slice.Elem().Len())
		for i := range rows {
			rows[i] = slice.Elem().Index(i).Interface().(store.SyncRow)
		}
		if len(rows) == 0 {
			t.Errorf("%s: no rows to test with", tb.Name)
		}
		if err := sc.Preload(ctx, rows); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			s, err := sc.Scope(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, scoped{tb.Name, store.BaseOf(r).ID, store.BaseOf(r).Version, s})
		}
	}

	// The scopes: every unit's subtree (the real class sets and all unit classes), the whole tree, every user, and
	// reference sets.
	var units []store.OrgUnit
	if err := db.R.NewSelect().Model(&units).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	allUnitClasses := []string{store.ClassUnit, store.ClassRoster, store.ClassMeetings, store.ClassRecs, store.ClassAssign, store.ClassUsers}
	defs := []wire.ScopeDef{{Key: "root:*", Kind: wire.KindRoot, ID: "*", Path: "/", Classes: allUnitClasses}}
	for _, u := range units {
		defs = append(defs, wire.ScopeDef{Key: "root:" + u.ID, Kind: wire.KindRoot, ID: u.ID, Path: u.Path, Classes: allUnitClasses})
		if u.Kind == domain.KindCell {
			defs = append(defs, wire.ScopeDef{Key: "cell:" + u.ID, Kind: wire.KindCell, ID: u.ID, Path: u.Path, Classes: cellClasses})
		}
		if u.Kind == domain.KindCommune {
			defs = append(defs, wire.ScopeDef{Key: "unit:" + u.ID, Kind: wire.KindUnit, ID: u.ID, Path: u.Path, Classes: unitClasses})
		}
	}
	var users []string
	if err := db.R.NewSelect().Model((*store.User)(nil)).Column("id").Scan(ctx, &users); err != nil {
		t.Fatal(err)
	}
	for _, id := range users {
		defs = append(defs, wire.ScopeDef{Key: "user:" + id, Kind: wire.KindUser, ID: id, Classes: userClasses})
	}
	for _, refs := range [][]string{{"*"}, {store.DefaultRefScope}, {store.DefaultRefScope, province}, {province}} {
		defs = append(defs, wire.ScopeDef{Key: "ref", Kind: wire.KindRef, Classes: refClasses, Refs: refs})
	}

	tx, err := db.R.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, win := range []string{"2026-02", "2000-01"} {
		nonEmpty := map[string]bool{}
		for _, def := range defs {
			var count int64
			var hash uint32
			for _, tb := range store.Tables() {
				var want []string
				for _, r := range all {
					if r.table == tb.Name && coveredBy(def, r.scope, win) {
						want = append(want, r.id)
						count++
						hash += wire.RowHash(r.table, r.id, r.version)
					}
				}
				var got []string
				if q, ok := snapshotQuery(tx, tb.Name, def, win); ok {
					slice := reflect.New(reflect.SliceOf(reflect.TypeOf(tb.New())))
					if err := q.Model(slice.Interface()).Scan(ctx); err != nil {
						t.Fatalf("%s %s: %v", def.Key, tb.Name, err)
					}
					for i := 0; i < slice.Elem().Len(); i++ {
						got = append(got, store.BaseOf(slice.Elem().Index(i).Interface().(store.SyncRow)).ID)
					}
				}
				if tb.Name == "attendance" {
					var viaMeetings []string
					if err := tx.NewSelect().Table("attendance").Column("id").Where("deleted_at IS NULL").
						Where("meeting_id IN (?)", attendanceMeetings(tx, def, win)).Scan(ctx, &viaMeetings); err != nil {
						t.Fatal(err)
					}
					if !slices.Contains(def.Classes, store.ClassMeetings) || (def.Kind != wire.KindCell && def.Kind != wire.KindRoot) {
						viaMeetings = nil
					}
					sort.Strings(viaMeetings)
					sort.Strings(want)
					if diff := cmp.Diff(want, viaMeetings); diff != "" {
						t.Errorf("window %s, %s, attendance by meeting: snapshot (+) and buckets (-) differ:\n%s", win, def.Key, diff)
					}
				}
				sort.Strings(want)
				sort.Strings(got)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("window %s, %s, %s: snapshot rows (+) and rows of covered buckets (-) differ:\n%s", win, def.Key, tb.Name, diff)
				}
				if len(got) > 0 {
					nonEmpty[tb.Name] = true
				}
			}
			sums, err := checksums(ctx, tx, []wire.ScopeDef{def}, win)
			if err != nil {
				t.Fatal(err)
			}
			if sums[0].Count != count || sums[0].Sum != hash {
				t.Errorf("window %s, %s: the kept buckets say %d rows (sum %d), the rows give %d (sum %d)",
					win, def.Key, sums[0].Count, sums[0].Sum, count, hash)
			}
		}
		for _, tb := range store.Tables() {
			if !nonEmpty[tb.Name] {
				t.Errorf("window %s: no scope's snapshot has rows of %s", win, tb.Name)
			}
		}
	}
}

// formRows adds, in the commune of cell, the rows of the meetings of the other forms the demo of a test may lack: a
// zone holding the cell, a briefing it hosts with a participant and its report, a dialogue with a question that
// became a commune-level recommendation, a recommendation of the cell raised at the briefing (which sits with the
// briefing, at the commune), and a committee assignment.
func formRows(ctx context.Context, tx bun.IDB, cell store.OrgUnit, today domain.Date) error {
	commune := *cell.ParentID
	zone := &store.Zone{CommuneID: commune, Name: "Khu Bắc"}
	if err := store.Insert(ctx, tx, zone); err != nil {
		return err
	}
	before := store.Clone(&cell)
	after := store.Clone(&cell)
	after.(*store.OrgUnit).ZoneID = &zone.ID
	if err := store.Update(ctx, tx, before, after); err != nil {
		return err
	}
	day := today.AddDays(-5)
	br := &store.Meeting{CellID: commune, Form: domain.FormBriefing, ZoneID: &zone.ID, HostCellID: &cell.ID, MeetingDate: day,
		Type: domain.MeetingRegular, Mode: domain.MeetingInPerson, Status: domain.MeetingHeld}
	dl := &store.Meeting{CellID: commune, Form: domain.FormDialogue, Audience: "citizens", MeetingDate: day,
		Type: domain.MeetingRegular, Mode: domain.MeetingInPerson, Status: domain.MeetingHeld}
	for _, m := range []*store.Meeting{br, dl} {
		if err := store.Insert(ctx, tx, m); err != nil {
			return err
		}
	}
	rec := &store.Recommendation{CellID: commune, MeetingID: &dl.ID, Content: "Sửa đường liên thôn", Status: domain.RecNew, RaisedOn: day}
	rows := []store.SyncRow{
		&store.MeetingParticipant{MeetingID: br.ID, Role: "minute_taker", CellID: &cell.ID, Name: "Lê Văn Ký", Present: true},
		&store.BriefingReport{MeetingID: br.ID, CellID: cell.ID, ReporterName: "Nguyễn Văn An", Situation: "Ổn định"},
		rec,
		&store.Recommendation{CellID: cell.ID, MeetingID: &br.ID, Content: "Nạo vét kênh thôn", Status: domain.RecNew, RaisedOn: day},
		&store.DialogueQuestion{MeetingID: dl.ID, Question: "Bao giờ sửa đường?", RecommendationID: &rec.ID},
		// (the directory's rows, in case the demo has none)
		&store.Addressee{ProvinceID: &domain.PathIDs(cell.Path)[0], Kind: domain.AddrGovernment, Level: domain.LevelCommune,
			Code: "ubnd-test", Name: "UBND xã", NameFold: "ubnd xa"},
	}
	for _, r := range rows {
		if err := store.Insert(ctx, tx, r); err != nil {
			return err
		}
	}
	return nil
}
