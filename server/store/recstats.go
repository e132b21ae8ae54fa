package store

import (
	"context"
	"math"
	"sort"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// RecStatusCounts counts recommendations by status.
type RecStatusCounts struct {
	New       int `json:"new"`
	Forwarded int `json:"forwarded"`
	Answered  int `json:"answered"`
	SentBack  int `json:"sent_back"`
	Accepted  int `json:"accepted"`
	Resolved  int `json:"resolved"`
}

func (c *RecStatusCounts) add(s domain.RecStatus) {
	switch s {
	case domain.RecNew:
		c.New++
	case domain.RecForwarded:
		c.Forwarded++
	case domain.RecAnswered:
		c.Answered++
	case domain.RecSentBack:
		c.SentBack++
	case domain.RecAccepted:
		c.Accepted++
	case domain.RecResolved:
		c.Resolved++
	}
}

// RecCounts is a total and its split by current status.
type RecCounts struct {
	Total    int             `json:"total"`
	ByStatus RecStatusCounts `json:"by_status"`
}

// RecFieldStats is one row of the table by field (lĩnh vực). FieldID is null for recommendations with no field.
type RecFieldStats struct {
	FieldID   *string `json:"field_id"`
	FieldCode string  `json:"field_code"`
	FieldName string  `json:"field_name"`
	NameVI    string  `json:"-"`
	NameEN    string  `json:"-"`
	RecCounts
	sort int
}

// RecStats are the statistics of the recommendations raised in a period, like Gia Lộc's table: counts by field
// and status, how long addressees take to answer, and how often answers are sent back.
//
// Days to answer are calendar days (Asia/Ho_Chi_Minh) from the day a recommendation was forwarded to the day of
// its first answer, over the recommendations that were forwarded and answered (Answered counts those with an
// answer). The average is rounded to one decimal; the 90th percentile is the nearest-rank one: the smallest value
// that at least 90 % of the sample does not exceed (sorted ascending, the ⌈0.9·n⌉-th). SentBackShare is the
// share of the answered recommendations that were sent back at least once, rounded to four decimals. All three
// are computed in Go from the rows, so both databases give the same numbers; they are null when nothing was
// answered.
type RecStats struct {
	ByField         []RecFieldStats `json:"by_field"`
	Totals          RecCounts       `json:"totals"`
	Answered        int             `json:"answered"`
	SentBack        int             `json:"sent_back"`
	AvgDaysToAnswer *float64        `json:"avg_days_to_answer"`
	P90DaysToAnswer *float64        `json:"p90_days_to_answer"`
	SentBackShare   *float64        `json:"sent_back_share"`
	// ByAddressee is the table by addressee (RecommendationStatsByAddressee), filled by the API.
	ByAddressee []RecAddresseeStats `json:"by_addressee"`
}

// RecommendationStats computes RecStats over the recommendations of cells under roots raised between from and to
// (either may be zero: open-ended). fields, typically the province's reference list, get a row even when no
// recommendation is in them.
func RecommendationStats(ctx context.Context, db bun.IDB, roots []string, from, to domain.Date, fields []RecommendationField) (*RecStats, error) {
	scope := func(q *bun.SelectQuery) *bun.SelectQuery {
		q = inSubtrees(q.Join("JOIN org_units AS ou ON ou.id = r.cell_id"), "ou.path", roots)
		if !from.IsZero() {
			q = q.Where("r.raised_on >= ?", from)
		}
		if !to.IsZero() {
			q = q.Where("r.raised_on <= ?", to)
		}
		return q
	}
	var recs []Recommendation
	if err := scope(db.NewSelect().Model(&recs).Column("r.id", "r.field_id", "r.status", "r.forwarded_at")).Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	var answers []RecommendationAnswer
	ids := scope(db.NewSelect().Model((*Recommendation)(nil)).Column("r.id"))
	if err := db.NewSelect().Model(&answers).Column("ra.recommendation_id", "ra.answered_at", "ra.verdict").
		Where("ra.recommendation_id IN (?)", ids).Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	var used []string
	for _, r := range recs {
		if r.FieldID != nil {
			used = append(used, *r.FieldID)
		}
	}
	named, err := RecommendationFieldsByID(ctx, db, used)
	if err != nil {
		return nil, err
	}
	return computeRecStats(recs, answers, append(append([]RecommendationField(nil), fields...), named...)), nil
}

// computeRecStats is the arithmetic of RecommendationStats.
func computeRecStats(recs []Recommendation, answers []RecommendationAnswer, fields []RecommendationField) *RecStats {
	st := &RecStats{ByField: []RecFieldStats{}}
	rows := map[string]*RecFieldStats{}
	row := func(id string) *RecFieldStats {
		if r, ok := rows[id]; ok {
			return r
		}
		r := &RecFieldStats{sort: math.MaxInt}
		for _, f := range fields {
			if f.ID == id {
				r.FieldID, r.FieldCode, r.NameVI, r.NameEN, r.sort = &f.ID, f.Code, f.NameVI, f.NameEN, f.SortOrder
				break
			}
		}
		rows[id] = r
		return r
	}
	for _, f := range fields {
		if f.Active && f.DeletedAt == nil {
			row(f.ID)
		}
	}
	type first struct {
		at       time.Time
		sentBack bool
	}
	byRec := map[string]*first{}
	for _, a := range answers {
		f := byRec[a.RecommendationID]
		if f == nil {
			f = &first{at: a.AnsweredAt}
			byRec[a.RecommendationID] = f
		}
		if a.AnsweredAt.Before(f.at) {
			f.at = a.AnsweredAt
		}
		f.sentBack = f.sentBack || a.Verdict == "sent_back"
	}
	var days []int
	for _, r := range recs {
		r2 := row(deref(r.FieldID))
		r2.Total++
		r2.ByStatus.add(r.Status)
		st.Totals.Total++
		st.Totals.ByStatus.add(r.Status)
		f := byRec[r.ID]
		if f == nil {
			continue
		}
		st.Answered++
		if f.sentBack {
			st.SentBack++
		}
		if r.ForwardedAt != nil {
			days = append(days, max(0, domain.DaysBetween(domain.DateOf(*r.ForwardedAt), domain.DateOf(f.at))))
		}
	}
	for _, r := range rows {
		st.ByField = append(st.ByField, *r)
	}
	sort.Slice(st.ByField, func(i, j int) bool {
		a, b := st.ByField[i], st.ByField[j]
		if a.sort != b.sort {
			return a.sort < b.sort
		}
		return a.FieldCode < b.FieldCode
	})
	if len(days) > 0 {
		sort.Ints(days)
		sum := 0
		for _, d := range days {
			sum += d
		}
		avg := math.Round(float64(sum)/float64(len(days))*10) / 10
		p90 := float64(days[(9*len(days)+9)/10-1]) // the ⌈0.9·n⌉-th, in integers
		st.AvgDaysToAnswer, st.P90DaysToAnswer = &avg, &p90
	}
	if st.Answered > 0 {
		share := math.Round(float64(st.SentBack)/float64(st.Answered)*10000) / 10000
		st.SentBackShare = &share
	}
	return st
}
