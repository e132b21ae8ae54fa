package store

import (
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/domain"
)

// TestDaysToAnswerPercentile checks the nearest-rank 90th percentile and the rounded average on samples whose
// answers are written by hand.
func TestDaysToAnswerPercentile(t *testing.T) {
	fwd := time.Date(2026, 3, 2, 9, 0, 0, 0, domain.Zone)
	tests := []struct {
		name     string
		days     []int
		avg, p90 float64
	}{
		{"one", []int{4}, 4, 4},
		{"ten: the 9th", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 100}, 14.5, 9},
		{"eleven: the 10th", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 6, 10},
		{"twenty: the 18th", []int{20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, 10.5, 18},
		{"same day", []int{0, 0, 1}, 0.3, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var recs []Recommendation
			var answers []RecommendationAnswer
			for i, d := range tc.days {
				r := Recommendation{Status: domain.RecAnswered, ForwardedAt: &fwd}
				r.ID = string(rune('a' + i))
				recs = append(recs, r)
				answers = append(answers, RecommendationAnswer{RecommendationID: r.ID, AnsweredAt: fwd.AddDate(0, 0, d).Add(time.Hour)})
			}
			st := computeRecStats(recs, answers, nil)
			if st.AvgDaysToAnswer == nil || *st.AvgDaysToAnswer != tc.avg || *st.P90DaysToAnswer != tc.p90 {
				t.Errorf("avg %v p90 %v, want %v %v", deref(st.AvgDaysToAnswer), deref(st.P90DaysToAnswer), tc.avg, tc.p90)
			}
			if *st.SentBackShare != 0 || st.Answered != len(tc.days) {
				t.Errorf("share %v answered %d", *st.SentBackShare, st.Answered)
			}
		})
	}
}
