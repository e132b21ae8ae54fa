package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// IPLimiter limits login attempts per client address with a token bucket per address. It lives in the process:
// with several server instances each keeps its own buckets, so the effective limit is this one times the number
// of instances. The per-account lockout, which matters more, is kept in the database and shared.
type IPLimiter struct {
	mu      sync.Mutex
	every   time.Duration
	burst   int
	buckets map[string]*bucket
	lastGC  time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewIPLimiter allows burst attempts at once and then one per every, per address.
func NewIPLimiter(burst int, every time.Duration) *IPLimiter {
	return &IPLimiter{every: every, burst: burst, buckets: map[string]*bucket{}, lastGC: time.Now()}
}

// Allow reports whether addr may try again now, and spends one attempt if so.
func (l *IPLimiter) Allow(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Sub(l.lastGC) > 10*time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > time.Hour {
				delete(l.buckets, k)
			}
		}
		l.lastGC = now
	}
	b, ok := l.buckets[addr]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.buckets[addr] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}
