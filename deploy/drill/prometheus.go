package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Prometheus in the drill: the reference prometheus.yml and alerts.yml (deploy/province), rendered like the other
// files, scrape the running province; the drill reads targets, rules and alerts through Prometheus's HTTP API.
// The reference runs Debian's prometheus-node-exporter on every host (:9100); the drill runs one per reference
// host on its own port, all on this machine, db1's and db2's reading the textfile directory the drill's backup.sh
// writes to.
const portPrometheus = 20990

// nodeExporters maps each reference host's node exporter to its drill port and textfile directory.
var nodeExporters = []struct {
	host     string // the reference address
	port     int
	textfile string // directory under the drill's
}{
	{"10.20.0.11:9100", 20911, "textfile"},
	{"10.20.0.12:9100", 20912, "textfile"},
	{"10.20.0.21:9100", 20921, "textfile-app"},
}

// prom is the drill's Prometheus: where it answers, since when it scrapes and since when every target was scraped
// and every rule evaluated (alerts pending at its very first evaluations, before the first scrapes, are not the
// drills').
type prom struct {
	url            string
	start, checked time.Time
	hc             *http.Client
}

// renderPrometheus returns prometheus.yml for loopback: every target at its drill port. The scrape and evaluation
// intervals stay the reference's (15 s).
func renderPrometheus(ref string) string {
	var pairs []string
	for _, ne := range nodeExporters {
		pairs = append(pairs, ne.host, fmt.Sprintf("127.0.0.1:%d", ne.port))
	}
	return replace(ref, pairs...)
}

// referenceAddr returns the reference address of a drill address (127.0.0.1:20009 → 10.20.0.12:8008), for figures
// an operator reads against the reference files; the address itself when it is not a drill's.
func referenceAddr(addr string) string {
	for _, ne := range nodeExporters {
		if addr == fmt.Sprintf("127.0.0.1:%d", ne.port) {
			return ne.host
		}
	}
	for k, v := range addrMap() {
		if v == addr && strings.Contains(k, ":") {
			return k
		}
	}
	return addr
}

// startPrometheus starts the node exporters and Prometheus on the rendered reference files, waits until every
// target was scraped and every rule group evaluated once, and records what it found as figures.
func (d *drill) startPrometheus(ctx context.Context) error {
	ports := []int{portPrometheus}
	for _, ne := range nodeExporters {
		ports = append(ports, ne.port)
	}
	if err := portsFree(ports...); err != nil {
		return err
	}
	start := time.Now()
	hc := &http.Client{Timeout: 5 * time.Second}
	for i, ne := range nodeExporters {
		dir := d.l.path(ne.textfile)
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return err
		}
		_ = d.p.chownPostgres(dir) // backup.sh runs as postgres and writes here
		addr := fmt.Sprintf("127.0.0.1:%d", ne.port)
		name := fmt.Sprintf("node-exporter-%s", etcdMembers[i].name)
		if _, err := d.p.start(name, nil, false, "prometheus-node-exporter",
			"--web.listen-address="+addr, "--collector.textfile.directory="+dir); err != nil {
			return err
		}
		if err := waitHTTP(ctx, hc, "http://"+addr+"/metrics", 30*time.Second); err != nil {
			return fmt.Errorf("node exporter for %s (logs/%s.log): %w", ne.host, name, err)
		}
	}
	ref, err := d.l.read("prometheus.yml")
	if err != nil {
		return err
	}
	rules, err := d.l.read("alerts.yml")
	if err != nil {
		return err
	}
	dir := d.l.path("prometheus")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cfg := dir + "/prometheus.yml"
	if err := os.WriteFile(cfg, []byte(renderPrometheus(ref)), 0o644); err != nil {
		return err
	}
	// rule_files names alerts.yml beside prometheus.yml, as in /etc/prometheus/.
	if err := os.WriteFile(dir+"/alerts.yml", []byte(rules), 0o644); err != nil {
		return err
	}
	if _, err := d.p.run(ctx, nil, false, "promtool", "check", "config", cfg); err != nil {
		return err
	}
	d.log.Info("step: prometheus (the reference prometheus.yml and alerts.yml)")
	p := &prom{url: fmt.Sprintf("http://127.0.0.1:%d", portPrometheus), hc: hc, start: time.Now()}
	pr, err := d.p.start("prometheus", nil, false, "prometheus", "--config.file="+cfg,
		"--storage.tsdb.path="+dir+"/data", fmt.Sprintf("--web.listen-address=127.0.0.1:%d", portPrometheus))
	if err != nil {
		return err
	}
	if err := waitReady(ctx, hc, pr, p.url+"/-/ready", time.Minute); err != nil {
		return err
	}
	d.prom = p
	// Every target scraped once and every group evaluated once: the reference scrapes and evaluates every 15 s.
	var targets []promTarget
	var groups []promGroup
	err = waitFor(ctx, 90*time.Second, "Prometheus scraped every target and evaluated every rule group", func() bool {
		if targets, err = p.targets(ctx); err != nil {
			return false
		}
		if groups, err = p.rules(ctx); err != nil {
			return false
		}
		for _, t := range targets {
			if t.Health == "unknown" || t.LastScrape.IsZero() || t.LastScrape.Before(p.start) {
				return false
			}
		}
		for _, g := range groups {
			if g.LastEvaluation.IsZero() || g.LastEvaluation.Before(p.start) {
				return false
			}
		}
		return len(targets) > 0 && len(groups) > 0
	})
	if err != nil {
		d.log.Warn("prometheus", "err", err)
	}
	p.checked = time.Now()
	d.figure("setup", "Prometheus up (reference prometheus.yml, 15 s scrapes), 3 node exporters", "%s", time.Since(start).Round(time.Second))
	d.figureTargets("setup", "Prometheus targets up", targets)
	d.figureRules(groups)
	names, err := p.metricNames(ctx, p.start)
	if err != nil {
		return err
	}
	d.figure("setup", "metrics the alert rules use that no target exports yet", "%s", missingMetrics(groups, names))
	return nil
}

// figureTargets records the targets up, naming those that are not.
func (d *drill) figureTargets(drill, measure string, targets []promTarget) {
	up := 0
	jobs := map[string]int{}
	var down []string
	for _, t := range targets {
		jobs[t.Labels["job"]]++
		if t.Health == "up" {
			up++
			continue
		}
		down = append(down, fmt.Sprintf("%s %s (%s)", t.Labels["job"], referenceAddr(t.Labels["instance"]), t.LastError))
	}
	var perJob []string
	for j, n := range jobs {
		perJob = append(perJob, fmt.Sprintf("%s %d", j, n))
	}
	sort.Strings(perJob)
	v := fmt.Sprintf("%d of %d (%s)", up, len(targets), strings.Join(perJob, ", "))
	if len(down) > 0 {
		v += "; NOT up: " + strings.Join(down, "; ")
	}
	d.figure(drill, measure, "%s", v)
}

// figureRules records the rule groups and rules loaded, and the rules whose evaluation failed.
func (d *drill) figureRules(groups []promGroup) {
	n := 0
	var bad []string
	for _, g := range groups {
		for _, r := range g.Rules {
			n++
			if r.Health != "ok" {
				bad = append(bad, fmt.Sprintf("%s (%s: %s)", r.Name, r.Health, r.LastError))
			}
		}
	}
	v := fmt.Sprintf("%d groups, %d rules, %d evaluation errors", len(groups), n, len(bad))
	if len(bad) > 0 {
		v += ": " + strings.Join(bad, "; ")
	}
	d.figure("setup", "Prometheus rules loaded (alerts.yml)", "%s", v)
}

// promReport records, at the end of the run, the alerts that fired (and those that were only pending) while the
// drills ran, the rules that failed to evaluate and the rule metrics no target exported during the whole run.
func (d *drill) promReport(ctx context.Context) {
	p := d.prom
	if p == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	const name = "Prometheus"
	firing, err := p.alertSpans(ctx, "firing")
	if err != nil {
		d.figure(name, "alerts that fired during the run", "? (%v)", err)
	} else {
		d.figure(name, "alerts that fired during the run (from–to, UTC)", "%s", joinSpans(firing, nil))
	}
	if pending, err := p.alertSpans(ctx, "pending"); err == nil {
		d.figure(name, "alerts pending during the run, not for long enough to fire", "%s", joinSpans(pending, firing))
	}
	if groups, err := p.rules(ctx); err == nil {
		var bad []string
		for _, g := range groups {
			for _, r := range g.Rules {
				if r.Health != "ok" {
					bad = append(bad, fmt.Sprintf("%s (%s: %s)", r.Name, r.Health, r.LastError))
				}
			}
		}
		v := "none"
		if len(bad) > 0 {
			v = strings.Join(bad, "; ")
		}
		d.figure(name, "rules failing to evaluate at the end", "%s", v)
		if names, err := p.metricNames(ctx, p.start); err == nil {
			d.figure(name, "metrics the alert rules use that no target exported during the run", "%s", missingMetrics(groups, names))
		}
	}
	if targets, err := p.targets(ctx); err == nil {
		d.figureTargets(name, "targets up at the end", targets)
	}
}

// alertSpans returns the alerts in state (firing, pending) since every target was first scraped: for each alert
// (its name and labels, instances as reference addresses), the first and last moment it was in that state.
func (p *prom) alertSpans(ctx context.Context, state string) (map[string]string, error) {
	q := url.Values{
		"query": {fmt.Sprintf(`ALERTS{alertstate=%q}`, state)},
		"start": {strconv.FormatInt(p.checked.Unix(), 10)},
		"end":   {strconv.FormatInt(time.Now().Unix(), 10)},
		"step":  {"5"},
	}
	var data struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Values [][2]any          `json:"values"` // [unix time, "value"]
		} `json:"result"`
	}
	if err := p.get(ctx, "/api/v1/query_range", q, &data); err != nil {
		return nil, err
	}
	clock := func(t any) string {
		f, _ := t.(float64)
		return time.Unix(int64(f), 0).UTC().Format("15:04:05")
	}
	out := map[string]string{}
	for _, s := range data.Result {
		if len(s.Values) == 0 {
			continue
		}
		var labels []string
		for k, v := range s.Metric {
			switch k {
			case "alertname", "alertstate", "severity", "__name__", "scope", "job", "state", "proxy", "device", "fstype":
			case "instance":
				labels = append(labels, k+"="+referenceAddr(v))
			default:
				labels = append(labels, k+"="+v)
			}
		}
		sort.Strings(labels)
		who := s.Metric["alertname"]
		if len(labels) > 0 {
			who += "{" + strings.Join(labels, ",") + "}"
		}
		out[who] = clock(s.Values[0][0]) + "–" + clock(s.Values[len(s.Values)-1][0])
	}
	return out, nil
}

// joinSpans lists the alerts of spans not in except, sorted, or "none".
func joinSpans(spans, except map[string]string) string {
	var out []string
	for who, span := range spans {
		if _, ok := except[who]; !ok {
			out = append(out, who+" "+span)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

// promTarget is one active target of GET /api/v1/targets.
type promTarget struct {
	Labels     map[string]string `json:"labels"`
	Health     string            `json:"health"`
	LastError  string            `json:"lastError"`
	LastScrape time.Time         `json:"lastScrape"`
}

// promGroup is one rule group of GET /api/v1/rules.
type promGroup struct {
	Name           string    `json:"name"`
	LastEvaluation time.Time `json:"lastEvaluation"`
	Rules          []struct {
		Name      string `json:"name"`
		Query     string `json:"query"`
		Health    string `json:"health"`
		LastError string `json:"lastError"`
	} `json:"rules"`
}

func (p *prom) targets(ctx context.Context) ([]promTarget, error) {
	var data struct {
		Active []promTarget `json:"activeTargets"`
	}
	err := p.get(ctx, "/api/v1/targets", url.Values{"state": {"active"}}, &data)
	return data.Active, err
}

func (p *prom) rules(ctx context.Context) ([]promGroup, error) {
	var data struct {
		Groups []promGroup `json:"groups"`
	}
	err := p.get(ctx, "/api/v1/rules", nil, &data)
	return data.Groups, err
}

// metricNames returns the metric names Prometheus holds samples of since t.
func (p *prom) metricNames(ctx context.Context, since time.Time) (map[string]bool, error) {
	var names []string
	q := url.Values{"start": {strconv.FormatInt(since.Unix(), 10)}, "end": {strconv.FormatInt(time.Now().Unix()+1, 10)}}
	if err := p.get(ctx, "/api/v1/label/__name__/values", q, &names); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out, nil
}

// get calls the API and decodes its data field into data.
func (p *prom) get(ctx context.Context, path string, q url.Values, data any) error {
	u := p.url + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("prometheus %s: %w", path, err)
	}
	if body.Status != "success" {
		return fmt.Errorf("prometheus %s: %s", path, body.Error)
	}
	return json.Unmarshal(body.Data, data)
}

// missingMetrics lists, rule by rule, the metric names its expression reads that are not among names; "none"
// when every rule's metrics exist. Such a rule answers "no data" whatever happens: a defect of the rule or of
// the exporter.
func missingMetrics(groups []promGroup, names map[string]bool) string {
	var out []string
	for _, g := range groups {
		for _, r := range g.Rules {
			var miss []string
			for _, m := range metricNames(r.Query) {
				if !names[m] {
					miss = append(miss, m)
				}
			}
			if len(miss) > 0 {
				out = append(out, r.Name+": "+strings.Join(miss, ", "))
			}
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, "; ")
}

var (
	promStrings  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	promBraces   = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promKeywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true,
		"without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true, "inf": true, "nan": true}
)

// metricNames returns the metric names a PromQL expression reads, in order, each once: the identifiers that are
// not functions, keywords, label names, numbers or durations.
func metricNames(expr string) []string {
	expr = promStrings.ReplaceAllString(expr, `""`)
	expr = promBraces.ReplaceAllString(expr, " ")
	expr = promGrouping.ReplaceAllString(expr, " ")
	var out []string
	seen := map[string]bool{}
	for _, loc := range promIdent.FindAllStringIndex(expr, -1) {
		name := expr[loc[0]:loc[1]]
		if loc[0] > 0 && strings.ContainsAny(expr[loc[0]-1:loc[0]], "0123456789.") {
			continue // 1e3, the unit of a duration
		}
		if strings.HasPrefix(strings.TrimLeft(expr[loc[1]:], " \t\n"), "(") {
			continue // a function
		}
		if promKeywords[strings.ToLower(name)] || seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, name)
	}
	return out
}
