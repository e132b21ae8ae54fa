// Command chibo-sim runs simulated devices against a running Chibo server: each logs in as a demo user, syncs,
// works offline at random (meetings, attendance, notes edited on several devices, recommendations), syncs at
// random moments with faults (lost push answers, tiny pages, restarts from saved state), and at the end checks
// that every device holds exactly the server's view of its scopes. It exits 1 if any device does not converge.
//
//	make run &                       # a server with the demo data
//	go run ./sync/cmd/chibo-sim -devices 12 -rounds 20
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/simulate"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "chibo-sim:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("chibo-sim", flag.ContinueOnError)
	url := fs.String("url", "http://localhost:8080", "server")
	users := fs.String("users", "canbo,canbo2,canbo3,canbo4,canbo5,bithu,bithu2,giamsat2", "demo logins, used in turn")
	pass := fs.String("password", "chibo-demo", "their password")
	devices := fs.Int("devices", 12, "devices")
	rounds := fs.Int("rounds", 20, "rounds of offline work and sync")
	seed := fs.Uint64("seed", 1, "random seed")
	faults := fs.Bool("faults", true, "inject faults: lost push answers, tiny pages, restarts")
	if err := fs.Parse(args); err != nil {
		return err
	}
	names := strings.Split(*users, ",")
	sessions := map[string]*simulate.Session{}
	dir, err := os.MkdirTemp("", "chibo-sim-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	devs := make([]*simulate.Device, *devices)
	start := time.Now()
	for i := range devs {
		u := names[i%len(names)]
		if sessions[u] == nil {
			sessions[u] = simulate.NewSession(*url, http.DefaultClient, u, *pass)
		}
		c := &client.Client{BaseURL: *url, Local: client.NewLocal(uuid.NewString()), Token: sessions[u].Token}
		name := u
		if u[:3] == "bit" {
			name = "sec-" + u // simulate.Device edits rosters for names starting with "sec"
		}
		devs[i] = simulate.NewDevice(fmt.Sprintf("%s-%d", name, i), c, *seed*1000+uint64(i), dir)
		if err := c.Sync(ctx); err != nil {
			return fmt.Errorf("%s: first sync: %w", devs[i].Name, err)
		}
	}
	fmt.Fprintf(out, "%d devices synced their scopes in %s\n", len(devs), time.Since(start).Round(time.Millisecond))
	for r := 0; r < *rounds; r++ {
		var wg sync.WaitGroup
		errs := make(chan error, len(devs))
		for _, d := range devs {
			d.Work(1+d.Rng.IntN(8), time.Now())
			if d.Rng.IntN(3) == 0 {
				continue
			}
			wg.Add(1)
			go func(d *simulate.Device) {
				defer wg.Done()
				if err := d.Sync(ctx, *faults); err != nil {
					errs <- fmt.Errorf("%s: %w", d.Name, err)
				}
			}(d)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			return err
		}
	}
	for i := 0; i < 2; i++ {
		for _, d := range devs {
			if err := d.Sync(ctx, false); err != nil {
				return fmt.Errorf("%s: final sync: %w", d.Name, err)
			}
		}
	}
	made, rejected, bad := 0, 0, 0
	faultsSeen := map[string]int{}
	reasons := map[string]int{}
	for _, d := range devs {
		made += d.Made
		rejected += len(d.Client.Local.Rejected)
		for _, r := range d.Client.Local.Rejected {
			reasons[r.Mutation.Table+": "+r.Message]++
		}
		for k, v := range d.Faults {
			faultsSeen[k] += v
		}
		mismatch, err := d.Verify(ctx)
		if err != nil {
			return err
		}
		if len(mismatch) > 0 || len(d.Client.Local.Outbox) > 0 {
			bad++
			fmt.Fprintf(out, "NOT CONVERGED %s: scopes %v, %d unsent\n", d.Name, mismatch, len(d.Client.Local.Outbox))
		}
	}
	fmt.Fprintf(out, "%d rounds, %d mutations made, %d refused by the server, faults %v, %s\n",
		*rounds, made, rejected, faultsSeen, time.Since(start).Round(time.Millisecond))
	for reason, n := range reasons {
		fmt.Fprintf(out, "  refused %4d× %s\n", n, reason)
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d devices did not converge", bad, len(devs))
	}
	fmt.Fprintf(out, "converged: all %d devices hold exactly the server's view of their scopes\n", len(devs))
	return nil
}
