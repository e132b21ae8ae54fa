package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chibo-vn/chibo/sync/simulate"
)

// demoUsers are the demo data's officials and secretaries (the simulator's defaults).
var demoUsers = []string{"canbo", "canbo2", "canbo3", "canbo4", "canbo5", "bithu", "bithu2", "giamsat2"}

const demoPassword = "chibo-demo"

// prober asks the service every 100 ms, through Caddy, whether it answers: /readyz and an authenticated GET
// /api/v1/me. It records the longest stretch without an answer.
type prober struct {
	mu       sync.Mutex
	failed   int
	total    int
	start    time.Time // start of the current outage
	longest  time.Duration
	outages  int
	stop     chan struct{}
	finished chan struct{}
}

func startProber(ctx context.Context, hc *http.Client, url string) *prober {
	p := &prober{stop: make(chan struct{}), finished: make(chan struct{})}
	sess := simulate.NewSession(url, hc, demoUsers[0], demoPassword)
	client := &http.Client{Transport: hc.Transport, Timeout: 2 * time.Second}
	get := func(path string, auth bool) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+path, nil)
		if err != nil {
			return false
		}
		if auth {
			tok, err := sess.Token(ctx)
			if err != nil {
				return false
			}
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	go func() {
		defer close(p.finished)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-ctx.Done():
				return
			case now := <-t.C:
				ok := get("/readyz", false) && get("/api/v1/me", true)
				p.record(now, ok)
			}
		}
	}()
	return p
}

func (p *prober) record(now time.Time, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total++
	switch {
	case !ok && p.start.IsZero():
		p.start = now
		p.outages++
		p.failed++
	case !ok:
		p.failed++
	case ok && !p.start.IsZero():
		p.longest = max(p.longest, now.Sub(p.start))
		p.start = time.Time{}
	}
}

// finish stops probing and returns the longest outage, the probes that failed and all probes.
func (p *prober) finish() (time.Duration, int, int, int) {
	close(p.stop)
	<-p.finished
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.start.IsZero() {
		p.longest = max(p.longest, time.Since(p.start))
	}
	return p.longest, p.failed, p.total, p.outages
}

// load runs fleet rounds until stopped.
type load struct {
	stop   chan struct{}
	done   chan struct{}
	rounds int
}

func startLoad(ctx context.Context, f *simulate.Fleet) *load {
	l := &load{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for {
			select {
			case <-l.stop:
				return
			case <-ctx.Done():
				return
			default:
			}
			f.Round(ctx, true)
			l.rounds++
			time.Sleep(50 * time.Millisecond)
		}
	}()
	return l
}

func (l *load) finish() int {
	close(l.stop)
	<-l.done
	return l.rounds
}

// failover is drill 1: devices push through Caddy while the primary's node dies (Patroni and PostgreSQL killed
// with SIGKILL), Patroni promotes the standby, then a chibo instance is killed too.
func (d *drill) failover(ctx context.Context) error {
	const name = "1 failover"
	c := d.c
	d.log.Info("drill 1: devices sync through Caddy", "devices", d.o.devices)
	if err := os.MkdirAll(d.l.path("devices"), 0o755); err != nil {
		return err
	}
	fleet, err := simulate.NewFleet(ctx, c.url, c.https, demoUsers, demoPassword, d.o.devices, 1, d.l.path("devices"))
	if err != nil {
		return err
	}
	resetsBefore := d.resetMetric()
	epochBefore := d.epoch(ctx)
	probe := startProber(ctx, c.https, c.url)
	ld := startLoad(ctx, fleet)
	time.Sleep(5 * time.Second)

	old, err := d.primary(ctx)
	if err != nil {
		return err
	}
	standby := nodes[0]
	if old.name == nodes[0].name {
		standby = nodes[1]
	}
	acksBefore := len(fleet.Acks())
	d.log.Info("drill 1: kill -9 the primary's node (Patroni and PostgreSQL)", "node", old.name, "acknowledged so far", acksBefore)
	killed := time.Now()
	d.killNode(old)
	if err := waitFor(ctx, 2*time.Minute, standby.name+" is primary", func() bool {
		p, err := d.primary(ctx)
		return err == nil && p.name == standby.name
	}); err != nil {
		return err
	}
	promoted := time.Since(killed)
	d.figure(name, "primary killed → standby promoted by Patroni", "%s", promoted.Round(100*time.Millisecond))
	d.log.Info("drill 1: kill -9 chibo instance 1")
	c.chibo[1].kill()
	time.Sleep(10 * time.Second)

	d.log.Info("drill 1: restart the old primary's Patroni: it rejoins as a standby", "node", old.name)
	restarted := time.Now()
	if err := d.startNode(old); err != nil {
		return err
	}
	c.patroni[old.name] = d.p.last()
	rejoinErr := waitHTTP(ctx, c.plain, fmt.Sprintf("http://127.0.0.1:%d/sync", old.rest), 3*time.Minute)
	if rejoinErr == nil {
		d.figure(name, "old primary rejoined as synchronous standby (pg_rewind)", "%s", time.Since(restarted).Round(100*time.Millisecond))
	} else {
		d.figure(name, "old primary rejoined as synchronous standby", "NO: %v", rejoinErr)
	}
	rounds := ld.finish()
	longest, failed, total, outages := probe.finish()
	d.figure(name, "time without service (longest, probes every 100 ms through Caddy)", "%s", longest.Round(100*time.Millisecond))
	d.figure(name, "probes failed / sent", "%d / %d in %d outage(s)", failed, total, outages)

	d.log.Info("drill 1: every device syncs until it converges")
	bad, convErr := fleet.Converge(ctx, 5*time.Minute)
	d.figure(name, "devices converged", "%d of %d", len(fleet.Devices)-len(bad), len(fleet.Devices))
	d.figure(name, "rounds, mutations made, device syncs that failed", "%d rounds, %d mutations, %d failed syncs (retried)", rounds, fleet.Made(), fleet.Errors())

	d.logErrorKinds(fleet)
	lost, dup, checked, err := d.checkAcks(ctx, portPGPrimary, fleet.Acks(), false)
	if err != nil {
		return err
	}
	d.figure(name, "acknowledged mutations present exactly once", "%d checked (%d before the kill): %d lost, %d duplicated", checked, acksBefore, lost, dup)
	reset := 0
	for _, n := range fleet.Resets() {
		if n > 0 {
			reset++
		}
	}
	d.figure(name, "devices that had to resync (told so by the server)", "%d of %d", reset, len(fleet.Devices))
	d.figure(name, "chibo_sync_resets_total (surviving instance)", "%s", d.resetMetric().minus(resetsBefore))
	d.figure(name, "epoch/reset log lines (chibo logs)", "%d", d.countLogLines(`(?i)epoch|rebase|reset`))

	epochAfter := d.epoch(ctx)
	// chibo 1 back, for the next drills.
	if err := d.startChibo(ctx, c, 1, false); err != nil {
		return err
	}
	d.figure(name, "sync epoch: before the kill → after the drill → after chibo@1 restarted", "%s → %s → %s", epochBefore, epochAfter, d.epoch(ctx))
	// An instance started on the new timeline may start a new epoch: the devices' next sync shows it.
	fleet.ClearResets()
	bad2, convErr2 := fleet.Converge(ctx, 5*time.Minute)
	reset = 0
	for _, n := range fleet.Resets() {
		if n > 0 {
			reset++
		}
	}
	d.figure(name, "devices told to resync at their next sync, after chibo@1 restarted", "%d of %d (%d did not converge)", reset, len(fleet.Devices), len(bad2))
	if convErr == nil {
		convErr = convErr2
	}
	switch {
	case convErr != nil:
		return convErr
	case lost+dup > 0:
		return fmt.Errorf("%d acknowledged mutations lost, %d duplicated", lost, dup)
	case rejoinErr != nil:
		return rejoinErr
	}
	return nil
}

// killNode kills node n's Patroni and PostgreSQL with SIGKILL, as a machine that loses power.
func (d *drill) killNode(n node) {
	if b, err := os.ReadFile(d.l.path(n.name, "data", "postmaster.pid")); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	d.c.patroni[n.name].kill()
}

// checkAcks looks up every acknowledged mutation in the database: its outcome must be recorded once, as applied,
// and a row it created must have exactly one creation in the audit log.
func (d *drill) checkAcks(ctx context.Context, port int, acks []simulate.Ack, expectGone bool) (lost, dup, checked int, err error) {
	warn := d.log.Warn
	if expectGone {
		warn = d.log.Debug
	}
	db, err := d.db(port)
	if err != nil {
		return 0, 0, 0, err
	}
	defer db.Close()
	seen := map[string]bool{}
	for _, a := range acks {
		k := fmt.Sprintf("%s/%d", a.ClientID, a.Seq)
		if seen[k] {
			continue // acknowledged twice (a lost answer sent again): one mutation
		}
		seen[k] = true
		checked++
		var n int
		status, err := storedStatus(ctx, db, a.ClientID, a.Seq)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("check acknowledged mutations: %w", err)
		}
		if status != "applied" {
			lost++
			warn("acknowledged mutation missing", "device", a.Device, "seq", a.Seq, "table", a.Table, "row", a.RowID)
			continue
		}
		if !a.Create {
			continue
		}
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action = 'sync.create' AND entity = $1 AND entity_id = $2`,
			a.Table, a.RowID).Scan(&n); err != nil {
			return 0, 0, 0, fmt.Errorf("check created rows: %w", err)
		}
		switch {
		case n == 0:
			lost++
			warn("acknowledged creation missing", "device", a.Device, "table", a.Table, "row", a.RowID)
		case n > 1:
			dup++
			d.log.Warn("acknowledged creation applied twice", "device", a.Device, "table", a.Table, "row", a.RowID, "times", n)
		}
	}
	return lost, dup, checked, nil
}

// resets is chibo_sync_resets_total by reason, summed over the instances that answer.
type resets map[string]float64

func (r resets) minus(before resets) string {
	if len(r) == 0 {
		return "not exported by this server (metric chibo_sync_resets_total missing)"
	}
	var parts []string
	for k, v := range r {
		parts = append(parts, fmt.Sprintf("%s=%g", k, v-before[k]))
	}
	return strings.Join(parts, ", ")
}

var resetLine = regexp.MustCompile(`^chibo_sync_resets_total(?:\{reason="([^"]*)"\})? ([0-9.e+]+)`)

// resetMetric reads chibo_sync_resets_total from each running instance: its metrics listener
// (CHIBO_METRICS_ADDR), or /metrics on the main listener where the server still serves it there.
func (d *drill) resetMetric() resets {
	out := resets{}
	for i, pr := range d.c.chibo {
		if !pr.alive() {
			continue
		}
		for _, url := range []string{fmt.Sprintf("http://127.0.0.1:%d/metrics", 20180+i), fmt.Sprintf("http://127.0.0.1:%d/metrics", 20080+i)} {
			resp, err := d.c.plain.Get(url)
			if err != nil {
				continue
			}
			if resp.StatusCode != http.StatusOK {
				resp.Body.Close()
				continue
			}
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if m := resetLine.FindStringSubmatch(sc.Text()); m != nil {
					v, _ := strconv.ParseFloat(m[2], 64)
					out[m[1]] += v
				}
			}
			resp.Body.Close()
			break
		}
	}
	return out
}

// countLogLines counts the lines of the chibo logs matching pattern.
func (d *drill) countLogLines(pattern string) int {
	re := regexp.MustCompile(pattern)
	n := 0
	for i := range d.c.chibo {
		f, err := os.Open(d.l.path("logs", fmt.Sprintf("chibo-%d.log", i)))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if re.MatchString(sc.Text()) {
				n++
			}
		}
		f.Close()
	}
	return n
}

// logErrorKinds logs the five most frequent errors of the devices' failed syncs.
func (d *drill) logErrorKinds(f *simulate.Fleet) {
	type kind struct {
		msg string
		n   int
	}
	var kinds []kind
	for m, n := range f.ErrorKinds() {
		kinds = append(kinds, kind{m, n})
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].n > kinds[j].n })
	for i, k := range kinds {
		if i == 5 {
			break
		}
		d.log.Info("failed device syncs", "times", k.n, "error", k.msg)
	}
}

// epoch reads the sync epoch through HAProxy ("?" when it cannot).
func (d *drill) epoch(ctx context.Context) string {
	db, err := d.db(portPGPrimary)
	if err != nil {
		return "?"
	}
	defer db.Close()
	var e string
	if err := db.QueryRowContext(ctx, `SELECT epoch FROM sync_state WHERE id = 1`).Scan(&e); err != nil {
		return "?"
	}
	return e[:min(6, len(e))]
}

// storedStatus returns the stored outcome of a device's mutation seq, "" when there is none: its own row of
// sync_results, or the entry for it in the row of the push that carried it (status "batch", outcomes in batch).
func storedStatus(ctx context.Context, db *sql.DB, clientID string, seq int64) (string, error) {
	var status, batch string
	err := db.QueryRowContext(ctx, `SELECT status, batch FROM sync_results
		WHERE client_id = $1 AND seq >= $2 AND COALESCE(NULLIF(first_seq, 0), seq) <= $2 ORDER BY seq LIMIT 1`,
		clientID, seq).Scan(&status, &batch)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil || status != "batch" {
		return status, err
	}
	var outcomes []struct {
		Seq    int64  `json:"q"`
		Status string `json:"s"`
	}
	if err := json.Unmarshal([]byte(batch), &outcomes); err != nil {
		return "", err
	}
	for _, o := range outcomes {
		if o.Seq == seq {
			return o.Status, nil
		}
	}
	return "", nil
}
