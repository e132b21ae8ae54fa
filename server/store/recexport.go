package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
)

// LatestAnswers returns the latest answer (by answered_at, then id) to each of the recommendations ids that has
// one. Callers pass a page of ids at a time.
func LatestAnswers(ctx context.Context, db bun.IDB, ids []string) (map[string]RecommendationAnswer, error) {
	out := map[string]RecommendationAnswer{}
	if len(ids) == 0 {
		return out, nil
	}
	var answers []RecommendationAnswer
	if err := db.NewSelect().Model(&answers).Where("ra.recommendation_id IN (?)", bun.List(ids)).
		OrderExpr("ra.answered_at, ra.id").Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	for _, a := range answers {
		out[a.RecommendationID] = a // the later ones overwrite the earlier
	}
	return out, nil
}

// OrgUnitNames returns the names of the live org units ids, by id.
func OrgUnitNames(ctx context.Context, db bun.IDB, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var units []OrgUnit
	if err := db.NewSelect().Model(&units).Column("ou.id", "ou.name").Where("ou.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	for _, u := range units {
		out[u.ID] = u.Name
	}
	return out, nil
}

// RecommendationFieldsByID returns the recommendation fields ids, deleted ones included: a recommendation keeps
// the field it was filed under.
func RecommendationFieldsByID(ctx context.Context, db bun.IDB, ids []string) ([]RecommendationField, error) {
	var out []RecommendationField
	if len(ids) == 0 {
		return out, nil
	}
	if err := db.NewSelect().Model(&out).WhereAllWithDeleted().Where("rf.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, domain.Internal(err)
	}
	return out, nil
}

// CountRecommendations counts recs by field and status exactly as RecommendationStats does, giving ByField and
// Totals (the figures on answers stay zero). fields name the rows: the province's list gives each of its active
// fields a row, and the fields of recs (RecommendationFieldsByID) name theirs.
func CountRecommendations(recs []Recommendation, fields []RecommendationField) *RecStats {
	return computeRecStats(recs, nil, fields)
}
