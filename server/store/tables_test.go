package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
)

// notSynced are the tables that embed Base (they have the sync columns) but are not replicated to devices.
var notSynced = map[string]string{
	"role_grants":        "grants reach devices inside the session, not as rows",
	"push_subscriptions": "a device's own web push endpoint, server side only",
}

// jsonFields returns the JSON names of a model's fields, embedded structs included.
func jsonFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for k := range jsonFields(f.Type) {
				out[k] = true
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

// TestRegistryIsComplete checks that every synced table is registered whole: a model of the right table, a class,
// an owner rule whose columns and parents exist (so the Go buckets and the snapshot SQL can be derived from it),
// for writable tables fields a device can send and a Normalize, and a migrated table with the sync columns. It
// also checks that no table of the schema has the sync columns without being registered (or listed in notSynced).
func TestRegistryIsComplete(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	classes := []string{store.ClassUnit, store.ClassRoster, store.ClassMeetings, store.ClassRecs, store.ClassAssign,
		store.ClassUsers, store.ClassReports, store.ClassInbox, store.ClassRef}
	seen := map[string]int{}
	for i, tb := range store.Tables() {
		t.Run(tb.Name, func(t *testing.T) {
			if _, dup := seen[tb.Name]; dup {
				t.Fatalf("registered twice")
			}
			seen[tb.Name] = i
			if tb.New == nil || tb.New() == nil {
				t.Fatalf("no model")
			}
			row := tb.New()
			typ := reflect.TypeOf(row).Elem()
			if got := db.R.Dialect().Tables().Get(typ).Name; got != tb.Name {
				t.Errorf("model %s is of table %q", typ.Name(), got)
			}
			if store.TableOf(row) != tb.Name || store.NewRow(tb.Name) == nil || store.TableNamed(tb.Name) != tb {
				t.Errorf("the registry does not find the table by name and by model")
			}
			o := tb.Owner
			if o.Kind == store.OwnedByRow {
				if tb.Class != "" {
					t.Errorf("rows carrying their bucket must have no class of their own, got %q", tb.Class)
				}
				for _, c := range []string{"class", "scope", "path", "part"} {
					if !tb.HasColumn(c) {
						t.Errorf("owned by the row but has no column %s", c)
					}
				}
			} else if !slices.Contains(classes, tb.Class) {
				t.Errorf("class %q is not a bucket class", tb.Class)
			}
			switch o.Kind {
			case store.OwnedByUnit, store.OwnedByUser, store.OwnedByRef:
				if (o.Column == "") == (o.Via == nil) {
					t.Errorf("owner rule needs exactly one of Column and Via")
				}
			case store.OwnedByRow:
			default:
				t.Errorf("no owner rule")
			}
			if o.Column != "" && !tb.HasColumn(o.Column) {
				t.Errorf("owner column %s is not a column", o.Column)
			}
			if o.Month != "" {
				if !tb.HasColumn(o.Month) {
					t.Errorf("month column %s is not a column", o.Month)
				} else if f, _ := typ.FieldByName(fieldOf(typ, o.Month)); f.Type != reflect.TypeOf(domain.Date{}) {
					t.Errorf("month column %s is not a date", o.Month)
				}
			}
			if o.NullIsRoot && o.Kind != store.OwnedByUnit {
				t.Errorf("only unit-owned rows can fall back to the root bucket")
			}
			for _, l := range []*store.Link{o.Via, o.MonthVia} {
				if l == nil {
					continue
				}
				p := store.TableNamed(l.Table)
				switch {
				case !tb.HasColumn(l.Column):
					t.Errorf("link column %s is not a column", l.Column)
				case p == nil:
					t.Errorf("links to %s, which is not synced", l.Table)
				case seen[l.Table] >= i && l.Table != tb.Name:
					t.Errorf("links to %s, which must come first (snapshots and inserts go parents first)", l.Table)
				case l == o.Via && p.Owner.Kind != o.Kind:
					t.Errorf("takes its owner from %s, whose owner is of another kind", l.Table)
				case l == o.MonthVia && p.Owner.Month == "" && p.Owner.MonthVia == nil && p.Owner.Via == nil:
					t.Errorf("takes its month from %s, which has none", l.Table)
				}
			}
			if w := tb.Write; w != nil {
				if _, ok := row.(store.Normalizer); !ok {
					t.Errorf("devices write it but its model has no Normalize")
				}
				fields := jsonFields(typ)
				for _, f := range slices.Concat(w.Fields, w.CreateOnly, w.Required) {
					if !fields[f] {
						t.Errorf("write field %s is not a JSON field of %s", f, typ.Name())
					}
					if slices.Contains([]string{"id", "version", "created_at", "updated_at", "deleted_at"}, f) {
						t.Errorf("write field %s is kept by the server", f)
					}
				}
				for _, f := range w.Fields {
					if slices.Contains(w.CreateOnly, f) {
						t.Errorf("field %s is both updatable and create-only", f)
					}
				}
				for _, f := range w.Required {
					if !slices.Contains(w.Fields, f) && !slices.Contains(w.CreateOnly, f) {
						t.Errorf("required field %s cannot be set", f)
					}
				}
			}
			// The migrated table has every column of the model, the sync columns included.
			for _, c := range []string{"id", "created_at", "updated_at", "deleted_at", "version"} {
				if !tb.HasColumn(c) {
					t.Errorf("model lacks sync column %s", c)
				}
			}
			slice := reflect.New(reflect.SliceOf(reflect.TypeOf(row))).Interface()
			if err := db.R.NewSelect().Model(slice).WhereAllWithDeleted().Limit(1).Scan(ctx); err != nil {
				t.Errorf("the migrations do not give the table every column of the model: %v", err)
			}
		})
	}
	// Every table with the sync columns (version and deleted_at) is registered, or said not to be synced.
	var withVersion []string
	q := `SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'
		AND p.name IN ('version', 'deleted_at') GROUP BY m.name HAVING count(*) = 2`
	if testdb.Dialect() == "pg" {
		q = `SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema()
			AND column_name IN ('version', 'deleted_at') GROUP BY table_name HAVING count(*) = 2`
	}
	if err := db.R.NewRaw(q).Scan(ctx, &withVersion); err != nil {
		t.Fatal(err)
	}
	if len(withVersion) == 0 {
		t.Fatal("no table has the sync columns")
	}
	for _, name := range withVersion {
		if store.TableNamed(name) == nil && notSynced[name] == "" {
			t.Errorf("table %s has the sync columns but is not in the registry (store/tables.go)", name)
		}
	}
}

// fieldOf returns the Go name of the field of typ stored in column col.
func fieldOf(typ reflect.Type, col string) string {
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("bun"), ","); name == col {
			return f.Name
		}
	}
	return ""
}

// TestNormalizeRefusesBadRows checks each synced entity's one validation function names the field at fault.
func TestNormalizeRefusesBadRows(t *testing.T) {
	day := domain.NewDate(2026, 4, 10)
	neg, lat := -1, 91.0
	lng := 0.0
	meeting := func(f func(m *store.Meeting)) *store.Meeting {
		m := &store.Meeting{CellID: "c", MeetingDate: day}
		f(m)
		return m
	}
	for _, c := range []struct {
		name  string
		row   store.Normalizer
		field string // "" when the row is valid
	}{
		{"meeting defaults", meeting(func(*store.Meeting) {}), ""},
		{"meeting without date", meeting(func(m *store.Meeting) { m.MeetingDate = domain.Date{} }), "meeting_date"},
		{"meeting mode", meeting(func(m *store.Meeting) { m.Mode = "radio" }), "mode"},
		{"meeting count", meeting(func(m *store.Meeting) { m.MembersExempt = &neg }), "members_exempt"},
		{"meeting topic", meeting(func(m *store.Meeting) { m.Topic = strings.Repeat("ơ", 501) }), "topic"},
		{"attendance status", &store.Attendance{Status: "late"}, "status"},
		{"attendance reason", &store.Attendance{Status: domain.AttendExcused, Reason: strings.Repeat("x", 501)}, "reason"},
		{"report position", &store.VisitReport{Latitude: &lat, Longitude: &lng}, "latitude"},
		{"report status", &store.VisitReport{Status: "sent"}, "status"},
		{"recommendation content", &store.Recommendation{Content: "  ", Status: domain.RecNew}, "content"},
		{"recommendation urgency", &store.Recommendation{Content: "x", Urgency: "now", Status: domain.RecNew}, "urgency"},
		{"recommendation addressee", &store.Recommendation{Content: "x", AddresseeText: strings.Repeat("x", 301), Status: domain.RecNew}, "addressee_text"},
		{"answer body", &store.RecommendationAnswer{Body: " "}, "body"},
		{"event note", &store.RecommendationEvent{Note: strings.Repeat("x", 4001)}, "note"},
		{"assignment frequency", &store.Assignment{StartsOn: day, Frequency: "daily"}, "frequency"},
		{"conflict resolution", &store.Conflict{Resolution: strings.Repeat("x", 50001)}, "resolution"},
		{"notification kind", &store.Notification{UserID: "u"}, "kind"},
		{"member name", &store.Member{FullName: strings.Repeat("x", 121)}, "full_name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.row.Normalize()
			var de *domain.Error
			switch {
			case c.field == "" && err != nil:
				t.Errorf("refused a valid row: %v", err)
			case c.field != "" && (!errors.As(err, &de) || de.Code != domain.CodeInvalid || de.Field != c.field):
				t.Errorf("got %v, want invalid %s", err, c.field)
			}
		})
	}
}
