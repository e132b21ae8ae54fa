package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/wire"
)

// Fleet is a set of simulated devices driven through faults outside the simulator (a database failover, a killed
// instance, a restore): a sync that fails is counted and tried again later, never fatal, and the fleet records
// what the server acknowledged and which devices were told to resync, so a drill can check them afterwards.
// The deployment drill (deploy/drill) uses it; Device's behaviour is unchanged.
type Fleet struct {
	// Devices are the simulated devices.
	Devices []*Device
	// HTTP is the client every device uses (a drill trusts its TLS proxy's CA here).
	HTTP *http.Client

	mu       sync.Mutex
	sessions map[string]*Session
	acks     []Ack
	resets   map[string]int
	errors   int
	kinds    map[string]int
	stuck    map[string]int
	synced   map[string]time.Time
}

// PullTimeout bounds one device's pull rounds in a fleet sync.
const PullTimeout = 10 * time.Second

// Stuck returns the devices whose pull waited for their own writes' versions after the server started a new
// epoch (a restore) and were released by the fleet: a client bug the drills make visible.
func (f *Fleet) Stuck() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.stuck {
		out[k] = v
	}
	return out
}

// Ack is a mutation the server acknowledged as applied.
type Ack struct {
	Device   string
	ClientID string
	Seq      int64
	Table    string
	RowID    string
	// Create says the mutation created a new row under a fresh id (a meeting, a recommendation).
	Create  bool
	Version int64
	At      time.Time
}

// Session logs one user in and keeps an access token fresh; devices of the same user share it.
type Session struct {
	url, user, pass string
	hc              *http.Client
	mu              sync.Mutex
	access, refresh string
	expires         time.Time
}

// Token returns a valid access token, logging in or refreshing as needed.
func (s *Session) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.access != "" && time.Until(s.expires) > time.Minute {
		return s.access, nil
	}
	tok, err := s.trade(ctx, s.refresh != "")
	if err != nil && s.refresh != "" {
		// The refresh token may be unknown after a restore: log in again.
		tok, err = s.trade(ctx, false)
	}
	return tok, err
}

func (s *Session) trade(ctx context.Context, refresh bool) (string, error) {
	var body any = map[string]string{"username": s.user, "password": s.pass}
	path := "/api/v1/auth/login"
	if refresh {
		body, path = map[string]string{"refresh_token": s.refresh}, "/api/v1/auth/refresh"
	}
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+path, bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return "", fmt.Errorf("log in as %s: %d %s", s.user, resp.StatusCode, msg)
	}
	var tr struct {
		AccessToken  string    `json:"access_token"`
		RefreshToken string    `json:"refresh_token"`
		ExpiresAt    time.Time `json:"expires_at"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil {
		return "", err
	}
	s.access, s.refresh, s.expires = tr.AccessToken, tr.RefreshToken, tr.ExpiresAt
	return s.access, nil
}

// NewFleet creates n devices for the demo users (used in turn) against url, each synced once.
func NewFleet(ctx context.Context, url string, hc *http.Client, users []string, password string, n int, seed uint64, dir string) (*Fleet, error) {
	f := &Fleet{HTTP: hc, sessions: map[string]*Session{}, resets: map[string]int{}, synced: map[string]time.Time{}, kinds: map[string]int{}, stuck: map[string]int{}}
	url = strings.TrimRight(url, "/")
	for i := 0; i < n; i++ {
		u := users[i%len(users)]
		if f.sessions[u] == nil {
			f.sessions[u] = NewSession(url, hc, u, password)
		}
		c := &client.Client{BaseURL: url, HTTP: hc, Local: client.NewLocal(uuid.NewString()), Token: f.sessions[u].Token}
		name := u
		if strings.HasPrefix(u, "bit") {
			name = "sec-" + u // Device edits rosters for names starting with "sec"
		}
		d := NewDevice(fmt.Sprintf("%s-%d", name, i), c, seed*1000+uint64(i), dir)
		if err := c.Sync(ctx); err != nil {
			return nil, fmt.Errorf("%s: first sync: %w", d.Name, err)
		}
		f.synced[d.Name] = time.Now()
		f.Devices = append(f.Devices, d)
	}
	return f, nil
}

// SetURL points every device (and its session) at another server address.
func (f *Fleet) SetURL(url string) {
	url = strings.TrimRight(url, "/")
	for _, s := range f.sessions {
		s.mu.Lock()
		s.url = url
		s.mu.Unlock()
	}
	for _, d := range f.Devices {
		d.Client.BaseURL = url
	}
}

// Round makes every device work offline, then about two thirds of them sync at once (with faults). Failed syncs
// are counted (Errors) and the device keeps its outbox for the next round.
func (f *Fleet) Round(ctx context.Context, faults bool) {
	var wg sync.WaitGroup
	for _, d := range f.Devices {
		d.Work(1+d.Rng.IntN(8), time.Now())
		if d.Rng.IntN(3) == 0 {
			continue
		}
		wg.Add(1)
		go func(d *Device) {
			defer wg.Done()
			_ = f.SyncDevice(ctx, d, faults)
		}(d)
	}
	wg.Wait()
}

// Work makes every device do n changes offline, without syncing.
func (f *Fleet) Work(n int) {
	for _, d := range f.Devices {
		d.Work(n, time.Now())
	}
}

// SyncDevice syncs one device as Device.Sync does (lost push answers, tiny pages, restarts from saved state),
// recording the acknowledged mutations and whether the server told the device to reset.
func (f *Fleet) SyncDevice(ctx context.Context, d *Device, faults bool) error {
	err := f.syncDevice(ctx, d, faults)
	if err != nil {
		msg := err.Error()
		if len(msg) > 120 {
			msg = msg[:120]
		}
		f.mu.Lock()
		f.errors++
		f.kinds[msg]++
		f.mu.Unlock()
	}
	return err
}

// ErrorKinds returns the failed syncs by error message (cut to 120 characters).
func (f *Fleet) ErrorKinds() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.kinds {
		out[k] = v
	}
	return out
}

func (f *Fleet) syncDevice(ctx context.Context, d *Device, faults bool) error {
	c := d.Client
	if faults && d.Rng.IntN(4) == 0 && len(c.Local.Outbox) > 0 {
		ghost := *c
		ghost.Local = &client.Local{ClientID: c.Local.ClientID, Outbox: append([]wire.Mutation(nil), c.Local.Outbox...),
			Rows: map[string]*client.Row{}, Stats: map[string]int64{}}
		if _, err := ghost.Push(ctx); err != nil {
			return err
		}
		d.Faults["lost_answer"]++
	}
	sent := map[int64]wire.Mutation{}
	for _, m := range c.Local.Outbox {
		sent[m.Seq] = m
	}
	before := c.Local.ClientID
	ps, err := c.Push(ctx)
	f.recordAcks(d, before, sent, ps)
	if err != nil {
		return err
	}
	limit := c.Limit
	if faults && d.Rng.IntN(3) == 0 {
		c.Limit = 1 + d.Rng.IntN(5)
		d.Faults["tiny_pages"]++
	}
	epoch := c.Local.Epoch
	pullCtx, cancel := context.WithTimeout(ctx, PullTimeout)
	defer cancel()
	st, err := c.Pull(pullCtx)
	if err == nil && len(st.Mismatch) > 0 {
		var again *client.RoundStats
		again, err = c.Pull(pullCtx)
		if again != nil {
			st.Reset = st.Reset || again.Reset
		}
	}
	c.Limit = limit
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil && c.Local.Landed > c.Local.Position &&
		c.Local.Epoch != epoch {
		// client.Pull waits until the server's position reaches the versions of the device's own applied writes
		// (Landed). After a restore those writes and their versions are gone and the new epoch's positions start
		// lower. The client forgets them at the end of a reset round (client.Local.apply), so this should not
		// happen any more; the fleet still unblocks such a device and counts it (Stuck), which a drill expects at 0.
		f.mu.Lock()
		f.stuck[d.Name]++
		f.mu.Unlock()
		c.Local.Landed = c.Local.Position
	}
	if st != nil && (st.Reset || (epoch != "" && c.Local.Epoch != epoch)) {
		f.mu.Lock()
		f.resets[d.Name]++
		f.mu.Unlock()
	}
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.synced[d.Name] = time.Now()
	f.mu.Unlock()
	if faults && d.dir != "" && d.Rng.IntN(5) == 0 {
		path := filepath.Join(d.dir, d.Name+".json")
		if err := c.Local.Save(path); err != nil {
			return err
		}
		l, err := client.Load(path)
		if err != nil {
			return err
		}
		c.Local = l
		d.Faults["restart"]++
	}
	return nil
}

// recordAcks keeps the applied results of a push. After a renumbering (the server forgot the device) the
// results carry new sequence numbers: they are kept under the new client id without the mutation's details.
func (f *Fleet) recordAcks(d *Device, clientID string, sent map[int64]wire.Mutation, ps *client.PushStats) {
	if ps == nil {
		return
	}
	renumbered := d.Client.Local.ClientID != clientID
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range ps.Results {
		if r.Status != wire.StatusApplied {
			continue
		}
		a := Ack{Device: d.Name, ClientID: clientID, Seq: r.Seq, Version: r.Version, At: now}
		if renumbered {
			a.ClientID = d.Client.Local.ClientID
		} else if m, ok := sent[r.Seq]; ok {
			_, hasCell := m.Fields["cell_id"]
			a.Table, a.RowID = m.Table, m.RowID
			a.Create = m.Op == wire.MutUpsert && m.BaseVersion == 0 && hasCell &&
				(m.Table == "meetings" || m.Table == "recommendations")
		}
		f.acks = append(f.acks, a)
	}
}

// Converge syncs every device without faults until each holds exactly the server's view of its scopes with an
// empty outbox, or until timeout. It returns the devices that did not converge.
func (f *Fleet) Converge(ctx context.Context, timeout time.Duration) ([]string, error) {
	deadline := time.Now().Add(timeout)
	for {
		var bad []string
		var last error
		for _, d := range f.Devices {
			if err := f.SyncDevice(ctx, d, false); err != nil {
				bad, last = append(bad, d.Name), err
				continue
			}
			mismatch, err := d.Verify(ctx)
			if err != nil || len(mismatch) > 0 || len(d.Client.Local.Outbox) > 0 {
				bad = append(bad, d.Name)
				if err != nil {
					last = err
				}
			}
		}
		if len(bad) == 0 {
			return nil, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return bad, errors.Join(fmt.Errorf("%d of %d devices did not converge", len(bad), len(f.Devices)), last)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// Acks returns the acknowledged mutations so far.
func (f *Fleet) Acks() []Ack {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Ack(nil), f.acks...)
}

// Resets returns, per device, how many times the server told it to resync from scratch (after its first sync).
func (f *Fleet) Resets() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.resets {
		out[k] = v
	}
	return out
}

// ClearResets forgets the resets counted so far (between two drills).
func (f *Fleet) ClearResets() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resets = map[string]int{}
}

// Errors returns how many device syncs failed so far.
func (f *Fleet) Errors() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.errors
}

// LastSynced returns when each device last finished a sync.
func (f *Fleet) LastSynced() map[string]time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]time.Time{}
	for k, v := range f.synced {
		out[k] = v
	}
	return out
}

// Made returns the mutations all devices made.
func (f *Fleet) Made() int {
	n := 0
	for _, d := range f.Devices {
		n += d.Made
	}
	return n
}

// NewSession returns a session that logs user in at url (a drill's authenticated probe uses one).
func NewSession(url string, hc *http.Client, user, password string) *Session {
	return &Session{url: strings.TrimRight(url, "/"), user: user, pass: password, hc: hc}
}
