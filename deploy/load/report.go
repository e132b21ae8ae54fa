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
	if r.Duplicates != nil && r.Duplicates.Total() > 0 {
		r.Missed = append(r.Missed, fmt.Sprintf("%d duplicate notifications (target 0)", r.Duplicates.Total()))
	}
	if r.DuplicatesError != "" {
		r.Missed = append(r.Missed, "duplicates not checked: "+r.DuplicatesError)
	}
	r.OK = len(r.Missed) == 0
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
	switch {
	case r.Duplicates != nil:
		d := r.Duplicates
		fmt.Fprintf(w, "duplicate notifications: %d (push deliveries %d, reminders %d, notifications %d; the run created %d notifications, fired %d reminders, queued %d pushes)\n",
			d.Total(), d.PushDeliveries, d.Reminders, d.Notifications, d.NotificationsCreated, d.RemindersFired, d.PushesQueued)
	case r.DuplicatesError != "":
		fmt.Fprintf(w, "duplicate notifications: not checked (%s)\n", r.DuplicatesError)
	default:
		fmt.Fprintln(w, "duplicate notifications: not checked (no -database-url)")
	}
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
