package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// Report is what a run measured, and whether it met its targets.
type Report struct {
	Started     time.Time `json:"started"`
	Seconds     float64   `json:"seconds"`
	URL         string    `json:"url"`
	Backends    []string  `json:"backends,omitempty"`
	Officials   int       `json:"officials"`
	Supervisors int       `json:"supervisors"`
	PollSeconds float64   `json:"poll_seconds"`
	Target99MS  float64   `json:"target_p99_ms"`
	NewDevices  float64   `json:"new_devices_share"`
	// WarmUp is the phones' first syncs before the measured time (not in Seconds).
	WarmUp WarmUpFigures `json:"warm_up"`

	Endpoints    map[string]EndpointStats `json:"endpoints"`
	Errors       int                      `json:"errors"`
	ErrorSamples []string                 `json:"error_samples,omitempty"`
	Officials2   OfficialFigures          `json:"activity"`

	// Duplicates is nil without -database-url (not checked).
	Duplicates      *Duplicates `json:"duplicates,omitempty"`
	DuplicatesError string      `json:"duplicates_error,omitempty"`
	// Pushes is the web pushes to the phones with a subscription (nil with -push-share 0); Due the reminders
	// the harness brought into the measured time (nil without -database-url); NotesChanged the assignment
	// notes the first supervisor changed (each a notification); SettleSeconds how long the run waited after the
	// load for them to be done.
	Pushes        *PushFigures `json:"pushes,omitempty"`
	Due           *DueFigures  `json:"reminders_brought_due,omitempty"`
	NotesChanged  int          `json:"assignment_notes_changed"`
	SettleSeconds float64      `json:"settle_seconds"`
	// ServerRSS is nil when no metrics endpoint answered ("unavailable").
	ServerRSS     []RSS            `json:"server_rss"`
	DBConnections *Conns           `json:"db_connections,omitempty"`
	Generator     GeneratorFigures `json:"generator"`

	Missed []string `json:"missed"`
	OK     bool     `json:"ok"`
}

// OfficialFigures count what the simulated people did.
type OfficialFigures struct {
	Devices           int64    `json:"devices_started"`
	FirstSyncs        int64    `json:"first_syncs"`
	Polls             int64    `json:"polls"`
	Visits            int64    `json:"visits"`
	VisitsWithoutCell int64    `json:"visits_skipped_no_cell"`
	Mutations         int64    `json:"mutations"`
	Applied           int64    `json:"mutations_applied"`
	Rejected          int64    `json:"mutations_rejected"`
	Conflicts         int64    `json:"conflicts_recorded"`
	Logins            int64    `json:"logins"`
	Refreshes         int64    `json:"refreshes"`
	CoverageReads     int64    `json:"coverage_reads"`
	RejectedSamples   []string `json:"rejected_samples,omitempty"`
	// FirstSyncRows are the rows all first syncs brought, by table; RowsPerDevice their mean per device.
	FirstSyncRows map[string]int64 `json:"first_sync_rows_by_table"`
	RowsPerDevice int64            `json:"rows_per_device"`
}

// WarmUpFigures are the first syncs before the measured time: how long they took and the rows they brought.
type WarmUpFigures struct {
	Seconds       float64 `json:"seconds"`
	Devices       int64   `json:"devices"`
	Rows          int64   `json:"rows"`
	RowsPerSecond float64 `json:"rows_per_second"`
}

// GeneratorFigures are the load generator's own footprint.
type GeneratorFigures struct {
	HeapMaxBytes uint64 `json:"heap_max_bytes"`
	Goroutines   int    `json:"goroutines_at_end"`
}

// targeted says whether an endpoint's p99 is held to the target: the polls, pushes and coverage reads of the
// measured time. A phone's first sync (a snapshot of thousands of rows, in pages) is reported, not held to it.
func targeted(ep string) bool {
	if strings.HasSuffix(ep, ")") {
		return false
	}
	return strings.HasPrefix(ep, "POST /api/v1/sync/") || strings.HasPrefix(ep, "GET /api/v1/coverage")
}

// judge checks the targets and lists the missed ones.
func (r *Report) judge() {
	r.Missed = nil
	for _, ep := range r.sortedEndpoints() {
		st := r.Endpoints[ep]
		if targeted(ep) && st.P99 >= r.Target99MS {
			r.Missed = append(r.Missed, fmt.Sprintf("p99 of %s is %.0f ms (target < %.0f ms)", ep, st.P99, r.Target99MS))
		}
	}
	if r.Errors > 0 {
		r.Missed = append(r.Missed, fmt.Sprintf("%d errors (target 0)", r.Errors))
	}
	if r.Officials2.FirstSyncs < int64(r.Officials) {
		r.Missed = append(r.Missed, fmt.Sprintf("%d of %d officials synced", r.Officials2.FirstSyncs, r.Officials))
	}
	if n := r.duplicateCount(); n > 0 {
		r.Missed = append(r.Missed, fmt.Sprintf("%d duplicate notifications (target 0)", n))
	}
	if p := r.Pushes; p != nil {
		if p.Outbox != nil && p.Outbox.Unreceived > 0 {
			r.Missed = append(r.Missed, fmt.Sprintf("%d pushes marked sent never reached the phone", p.Outbox.Unreceived))
		}
		if p.Unreadable > 0 {
			r.Missed = append(r.Missed, fmt.Sprintf("%d pushes the phone could not read", p.Unreadable))
		}
		if p.VAPIDKeys > 1 {
			r.Missed = append(r.Missed, fmt.Sprintf("the instances pushed with %d VAPID keys (want one)", p.VAPIDKeys))
		}
	}
	if r.DuplicatesError != "" {
		r.Missed = append(r.Missed, "duplicates not checked: "+r.DuplicatesError)
	} else if r.Duplicates != nil {
		if empty := r.nothingDue(); empty != "" {
			r.Missed = append(r.Missed, "duplicates check empty ("+empty+"): a 0 that proves nothing")
		}
	}
	r.OK = len(r.Missed) == 0
}

// duplicateCount is every duplicate the run found: the database's groups and the pushes delivered twice.
func (r *Report) duplicateCount() int {
	n := r.Pushes.Duplicates()
	if r.Duplicates != nil {
		n += r.Duplicates.Total()
	}
	return n
}

// nothingDue says what did not happen for the duplicates check to mean something: no reminder fired, no push
// delivered to a phone ("" when both did).
func (r *Report) nothingDue() string {
	var why []string
	if r.Duplicates != nil && r.Duplicates.RemindersFired == 0 {
		why = append(why, "no reminder fired")
	}
	if r.Pushes == nil || r.Pushes.Received == 0 {
		why = append(why, "no push delivered to a phone")
	}
	return strings.Join(why, ", ")
}

func (r *Report) sortedEndpoints() []string {
	var eps []string
	for ep := range r.Endpoints {
		eps = append(eps, ep)
	}
	sort.Strings(eps)
	return eps
}

// Write saves the report as indented JSON.
func (r *Report) Write(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// Print writes the report for a person: a table per endpoint, then the rest, then the verdict.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "\n%d officials (%.0f %% with a new phone), %d supervisors, %.0f s measured against %s, after a warm-up of %.0f s (%d phones, %d rows, %.0f rows/s)\n\n",
		r.Officials, r.NewDevices*100, r.Supervisors, r.Seconds, r.URL, r.WarmUp.Seconds, r.WarmUp.Devices, r.WarmUp.Rows, r.WarmUp.RowsPerSecond)
	fmt.Fprintf(w, "| endpoint | count | /s | errors | refusals | p50 ms | p95 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, ep := range r.sortedEndpoints() {
		st := r.Endpoints[ep]
		fmt.Fprintf(w, "| %s | %d | %.2f | %d | %d | %.1f | %.1f | %.1f | %.1f |\n", ep, st.Count, st.PerSec, st.Errors, st.Refusals, st.P50, st.P95, st.P99, st.Max)
	}
	a := r.Officials2
	fmt.Fprintf(w, "\nofficials: %d started, %d first syncs, %d polls, %d visits (%d mutations: %d applied, %d rejected, %d conflicts), %d logins, %d refreshes; supervisors: %d coverage reads\n",
		a.Devices, a.FirstSyncs, a.Polls, a.Visits, a.Mutations, a.Applied, a.Rejected, a.Conflicts, a.Logins, a.Refreshes, a.CoverageReads)
	fmt.Fprintf(w, "rows per device after its first sync: %d\n", a.RowsPerDevice)
	for _, s := range a.RejectedSamples {
		fmt.Fprintf(w, "  rejected: %s\n", s)
	}
	fmt.Fprintf(w, "errors: %d\n", r.Errors)
	for _, s := range r.ErrorSamples {
		fmt.Fprintf(w, "  %s\n", s)
	}
	r.printDuplicates(w)
	if r.ServerRSS == nil {
		fmt.Fprintln(w, "server RSS: unavailable")
	}
	for _, s := range r.ServerRSS {
		if s.Samples == 0 {
			fmt.Fprintf(w, "server RSS %s: unavailable (%s)\n", s.URL, s.Error)
			continue
		}
		fmt.Fprintf(w, "server %s: RSS max %.0f MB, last %.0f MB (%d samples); CPU %.0f s, %.2f cores\n", s.URL, mb(s.MaxBytes), mb(s.LastBytes), s.Samples, s.CPUSeconds, s.CPUCores)
	}
	if c := r.DBConnections; c != nil {
		fmt.Fprintf(w, "database connections: max %d (max active %d), mean %.1f over %d samples; max_connections %d\n", c.Max, c.MaxActive, c.Mean, c.Samples, c.MaxClients)
	} else {
		fmt.Fprintln(w, "database connections: unavailable (no -database-url)")
	}
	fmt.Fprintf(w, "generator: heap max %.0f MB\n", mb(int64(r.Generator.HeapMaxBytes)))
	if r.OK {
		fmt.Fprintln(w, "\nall targets met")
		return
	}
	fmt.Fprintln(w, "\ntargets missed:")
	for _, m := range r.Missed {
		fmt.Fprintf(w, "  - %s\n", m)
	}
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// printDuplicates writes the duplicates check: what was found, and what came due for it to be found.
func (r *Report) printDuplicates(w io.Writer) {
	p := r.Pushes
	switch {
	case r.Duplicates != nil:
		d := r.Duplicates
		fmt.Fprintf(w, "duplicate notifications: %d (push_outbox rows of one notification and device %d, reminders planned twice %d, notifications created twice %d, pushes delivered twice %d)\n",
			r.duplicateCount(), d.PushDeliveries, d.Reminders, d.Notifications, p.Duplicates())
		fmt.Fprintf(w, "  the run: %d reminders fired (%d into a notification), %d notifications created, %d pushes queued and %d sent to any device\n",
			d.RemindersFired, d.RemindersSent, d.NotificationsCreated, d.PushesQueued, d.PushesSent)
	case r.DuplicatesError != "":
		fmt.Fprintf(w, "duplicate notifications: not checked in the database (%s); pushes delivered twice %d\n", r.DuplicatesError, p.Duplicates())
	default:
		fmt.Fprintf(w, "duplicate notifications: not checked in the database (no -database-url); pushes delivered twice %d\n", p.Duplicates())
	}
	if u := r.Due; u != nil {
		fmt.Fprintf(w, "  harness: %d pending reminders brought into the measured time; at the end %s\n", u.Moved, counts(u.ByStatus))
	}
	if r.NotesChanged > 0 {
		fmt.Fprintf(w, "  supervisor: %d assignment notes changed (each notifies its official)\n", r.NotesChanged)
	}
	if p != nil {
		fmt.Fprintf(w, "  pushes to the %d phones with a subscription: %d received (%d twice, %d unreadable, %d VAPID key(s)); waited %.0f s after the load; %d subscriptions removed at the end\n",
			p.Subscriptions, p.Received, p.ReceivedTwice, p.Unreadable, p.VAPIDKeys, r.SettleSeconds, p.Removed)
		if p.Refused > 0 {
			fmt.Fprintf(w, "  %d subscriptions refused (start the instances with CHIBO_PUSH_ALLOW_HTTP=true): %s\n", p.Refused, strings.Join(p.RefusedSamples, "; "))
		}
		if o := p.Outbox; o != nil {
			fmt.Fprintf(w, "  push_outbox of these phones: %d rows (%s), sent by worker %s; POSTs beyond the rows sent %d, rows sent never received %d\n",
				o.Queued, counts(o.ByStatus), counts(o.ByWorker), o.ExtraPOSTs, o.Unreceived)
			for _, m := range o.Mismatches {
				fmt.Fprintf(w, "    %s\n", m)
			}
			if n := o.ByStatus["pending"]; n > 0 {
				fmt.Fprintf(w, "  NOTE: %d pushes still pending after waiting %.0f s (-push-settle): a POST received for one of them counts as beyond the rows sent\n", n, r.SettleSeconds)
			}
		}
		for _, s := range append(p.TwiceSamples, p.UnreadableSamples...) {
			fmt.Fprintf(w, "    %s\n", s)
		}
	}
	if why := r.nothingDue(); why != "" {
		fmt.Fprintf(w, "  NOTE: %s during the run, so a 0 above proves nothing; with -database-url the generator brings reminders due (-due-reminders) and phones subscribe (-push-share) to its receiver, which the instances reach only with CHIBO_PUSH_ALLOW_HTTP=true\n", why)
	}
}

// counts writes a map of counts as "a 3, b 1", sorted by key ("none" when empty).
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
