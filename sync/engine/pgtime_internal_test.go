package engine

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/lib/pq"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// TestParsePGTime: the snapshot's parsing of PostgreSQL's text of a timestamptz gives the time lib/pq gives for it,
// the same instant written the same in JSON — for the texts below and, on PostgreSQL, for times the server writes
// in time zones of whole, half and quarter hours, before 1970, with and without a fraction, and with offsets of
// seconds (which go to lib/pq).
func TestParsePGTime(t *testing.T) {
	texts := []string{
		"2026-12-06 07:09:21.869983+00", "2026-12-06 07:09:21+00", "2026-12-06 14:09:21.1+07", "2026-01-31 23:59:59.999999-03:30",
		"2026-06-30 05:45:00.000001+05:45", "1969-12-31 23:59:59.5+00", "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+14",
		"2026-12-06 07:09:21.123456789+00", "1900-01-01 00:00:00+07:06:40", "infinity", "-infinity", "2026-12-06 07:09:21.869983-12",
	}
	db := testdb.New(t)
	if changelog.IsPG(db.R) {
		ctx := context.Background()
		for _, zone := range []string{"UTC", "Asia/Ho_Chi_Minh", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham"} {
			// The server's own text of those times in that zone, as a connection set to it sends them.
			err := db.R.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				if _, err := tx.ExecContext(ctx, "SET LOCAL TIME ZONE '"+zone+"'"); err != nil {
					return err
				}
				var in []string
				if err := tx.NewRaw(`SELECT CAST(ts AS TEXT) FROM (VALUES (now()), (TIMESTAMPTZ '1960-02-29 12:00:00.25+00'), (TIMESTAMPTZ '1900-01-01 00:00:00+00'),
					(date_trunc('second', now())), (TIMESTAMPTZ '2000-01-01 00:00:00.000001+00'), (TIMESTAMPTZ 'infinity')) AS v (ts)`).Scan(ctx, &in); err != nil {
					return err
				}
				texts = append(texts, in...)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, s := range texts {
		want, werr := pq.ParseTimestamp(nil, s)
		got, gerr := parsePGTime(s)
		if (werr == nil) != (gerr == nil) {
			t.Errorf("%q: error %v, lib/pq's %v", s, gerr, werr)
			continue
		}
		if werr != nil {
			continue
		}
		a, _ := json.Marshal(want)
		b, _ := json.Marshal(got)
		if !got.Equal(want) || string(a) != string(b) {
			t.Errorf("%q: %s, lib/pq %s", s, b, a)
		}
	}
	if len(texts) < 13 {
		t.Fatalf("%d texts", len(texts))
	}
}
