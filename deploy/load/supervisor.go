package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
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
	logins, refreshes := s.sess.counts() // under the session's lock: the notifier may share the session
	s.t.Logins.Add(int64(logins))
	s.t.Refreshes.Add(int64(refreshes))
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

// notifier is the province supervisor changing the note of officials' assignments now and then (PATCH
// /api/v1/assignments/:id), which tells the official at once: a notification in the inbox and a web push to each
// of its devices. It takes the officials whose phones have a push subscription, in turn, and changes each
// assignment at most once a run (two changes of one assignment would make two notifications alike, which the
// duplicates check would count).
//
// Each round makes one change through each target at the same moment: with -backends, one straight to each
// instance. The instance that commits a change wakes its notification worker at once, so every instance's
// worker looks for due reminders and pushes at that moment; when the rounds follow the bursts of reminders
// brought due (due.go), the workers race to claim the same reminders and pushes instead of the first to poll
// taking them all.
type notifier struct {
	s       *supervisor
	rng     *rand.Rand      // its own: the supervisor's reads run beside it
	users   func() []string // the user ids of the phones with a push subscription
	targets []string        // base URLs: the instances, or the installation's URL
	changed map[string]bool
	next    int
	changes atomic.Int64
}

// run makes a round at each of times, or every `every` from start when times is empty, until end.
func (n *notifier) run(ctx context.Context, start, end time.Time, every time.Duration, times []time.Time) {
	n.changed = map[string]bool{}
	at := start
	for i := 0; ; i++ {
		switch {
		case len(times) > 0 && i >= len(times):
			return
		case len(times) > 0:
			at = times[i]
		case i > 0:
			at = at.Add(jitter(n.rng, every))
		}
		if at.After(end) || !sleepUntil(ctx, at) {
			return
		}
		ids := n.pick(ctx, len(n.targets))
		var wg sync.WaitGroup
		for k, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				note := fmt.Sprintf("Ghi chú cập nhật lúc %s (chibo-load)", time.Now().Format("15:04:05"))
				if err := n.s.call(ctx, n.targets[k], http.MethodPatch, "/api/v1/assignments/"+id, map[string]string{"note": note}, nil); err == nil {
					n.changes.Add(1)
				}
			}()
		}
		wg.Wait()
	}
}

// pick returns up to k active assignments not changed yet, of the officials in turn.
func (n *notifier) pick(ctx context.Context, k int) []string {
	var out []string
	users := n.users()
	for range users {
		if len(out) == k {
			break
		}
		u := users[n.next%len(users)]
		n.next++
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := n.s.call(ctx, n.s.base, http.MethodGet, "/api/v1/assignments?status=active&official_id="+u, nil, &page); err != nil {
			continue // counted by the recorder
		}
		for _, a := range page.Items {
			if !n.changed[a.ID] {
				n.changed[a.ID] = true
				out = append(out, a.ID)
				break
			}
		}
	}
	return out
}

// roundsAfter returns the distinct moments of times, each a little later (the reminders are due by then), sorted.
func roundsAfter(times []time.Time, lag time.Duration) []time.Time {
	seen := map[time.Time]bool{}
	var out []time.Time
	for _, t := range times {
		if !seen[t] {
			seen[t] = true
			out = append(out, t.Add(lag))
		}
	}
	sortTimes(out)
	return out
}

// call sends a JSON request as the supervisor to base (the installation or one instance) and decodes the answer into out (if not nil).
func (s *supervisor) call(ctx context.Context, base, method, path string, in, out any) error {
	tok, err := s.sess.Token(ctx)
	if err != nil {
		s.rec.Fail("login "+s.name, err)
		return err
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		_, _ = io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("%s %s: %d", method, path, resp.StatusCode)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
