package main

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
)

// coverageReads are the supervisor's screens: the coverage endpoints of server/api/routes.go, over this month
// (the default period) and over the year.
var coverageReads = []string{
	"/api/v1/coverage",
	"/api/v1/coverage/officials",
	"/api/v1/coverage/forms",
	"/api/v1/coverage/committee",
	"/api/v1/coverage/priorities",
	"/api/v1/coverage/absentees",
}

// supervisor reads coverage reports of its unit now and then.
type supervisor struct {
	name string
	sess *session
	hc   *http.Client
	base string
	rng  *rand.Rand
	rec  *Recorder
	t    *tally
}

func (s *supervisor) run(ctx context.Context, start, end time.Time, every time.Duration) {
	if !sleepUntil(ctx, start) {
		return
	}
	for i := s.rng.IntN(len(coverageReads)); ; i++ {
		period := ""
		if i%4 == 3 {
			period = "?period=" + time.Now().Format("2006")
		}
		s.get(ctx, coverageReads[i%len(coverageReads)]+period)
		next := time.Now().Add(jitter(s.rng, every))
		if next.After(end) || !sleepUntil(ctx, next) {
			break
		}
	}
	s.t.Logins.Add(int64(s.sess.logins))
	s.t.Refreshes.Add(int64(s.sess.refreshes))
}

func (s *supervisor) get(ctx context.Context, path string) {
	tok, err := s.sess.Token(ctx)
	if err != nil {
		s.rec.Fail("login "+s.name, err)
		return
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		s.rec.Fail(path, err)
		return
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := s.hc.Do(req)
	if err != nil {
		return // counted by the recorder
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	s.t.CoverageGets.Add(1)
}
