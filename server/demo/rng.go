package demo

import (
	"encoding/binary"
	"math"
	"math/rand/v2"

	"github.com/google/uuid"
)

// rng is a seeded PCG generator with the helpers the generator needs. Every random choice, ids included, comes
// from one, so the same seed yields the same rows. Each commune gets its own stream (see newRNG), which keeps
// communes independent: adding a commune does not change the ones before it.
type rng struct{ r *rand.Rand }

// Stream numbers. Commune i uses streamCommune+i.
const (
	streamStructure = 1
	streamFinal     = 2
	streamResponder = 3 // the responder login, added after the others without changing their streams
	streamDirectory = 4 // the directory of addressees (issue #12), likewise
	streamDirUser   = 5 // songnmt, the responder of Sở Nông nghiệp và Môi trường, likewise
	streamCommune   = 1000
)

func newRNG(seed, stream uint64) *rng {
	return &rng{rand.New(rand.NewPCG(seed, splitmix(stream)))}
}

// splitmix is SplitMix64's finaliser: it spreads small stream numbers over the whole 64-bit space.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// id returns a random UUID in version 4 form, drawn from the generator.
func (g *rng) id() string {
	var b uuid.UUID
	binary.BigEndian.PutUint64(b[:8], g.r.Uint64())
	binary.BigEndian.PutUint64(b[8:], g.r.Uint64())
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return b.String()
}

// chance returns true with probability p.
func (g *rng) chance(p float64) bool { return g.r.Float64() < p }

// between returns an int in [lo, hi].
func (g *rng) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + g.r.IntN(hi-lo+1)
}

// intn returns an int in [0, n).
func (g *rng) intn(n int) int {
	if n <= 1 {
		return 0
	}
	return g.r.IntN(n)
}

// uniform returns a float in [lo, hi).
func (g *rng) uniform(lo, hi float64) float64 { return lo + (hi-lo)*g.r.Float64() }

// normal returns a normally distributed float.
func (g *rng) normal(mean, sd float64) float64 { return mean + sd*g.r.NormFloat64() }

// lognormal returns a log-normally distributed float with the given mean and shape sigma.
func (g *rng) lognormal(mean, sigma float64) float64 {
	mu := math.Log(mean) - sigma*sigma/2
	return math.Exp(mu + sigma*g.r.NormFloat64())
}

// pick returns a random element of xs.
func pick[T any](g *rng, xs []T) T { return xs[g.intn(len(xs))] }

// pickN returns n distinct elements of xs (fewer when xs is shorter), in random order.
func pickN[T any](g *rng, xs []T, n int) []T {
	idx := g.r.Perm(len(xs))
	out := make([]T, 0, min(n, len(xs)))
	for _, i := range idx[:min(n, len(xs))] {
		out = append(out, xs[i])
	}
	return out
}

// weighted returns an index into weights, chosen with probability proportional to its weight.
func (g *rng) weighted(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := g.r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// shuffle shuffles xs in place.
func shuffle[T any](g *rng, xs []T) {
	g.r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
}

func clamp(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }
