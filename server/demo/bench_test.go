package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/chibo-vn/chibo/server/demo"
	"github.com/chibo-vn/chibo/server/testdb"
)

// BenchmarkGenerateProvince generates a province-sized slice: 30 communes of 33 cells (990 cells, about 24,000
// members and 400,000 attendance rows over 12 months), with one official per three cells. Run it with
// -benchtime=1x; it reports rows written per second.
func BenchmarkGenerateProvince(b *testing.B) {
	benchGenerate(b, demo.Config{Seed: 1, Communes: 30, CellsPerCommune: 33, Officials: 330, Supervisors: 31, Months: 12,
		Today: today, PasswordHash: hash(b)})
}

// BenchmarkGenerateDefault generates the default demo.
func BenchmarkGenerateDefault(b *testing.B) {
	benchGenerate(b, demo.Config{Seed: 1, Today: today, PasswordHash: hash(b)})
}

func benchGenerate(b *testing.B, cfg demo.Config) {
	ctx := context.Background()
	rows := 0
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		db := testdb.New(b)
		b.StartTimer()
		start := time.Now()
		sum, err := demo.Generate(ctx, db, cfg)
		if err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		rows += sum.Rows()
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
}
