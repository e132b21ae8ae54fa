package engine_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/wire"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// serverBinary builds the chibo binary once per test run.
func serverBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		dir, err := os.MkdirTemp("", "chibo-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "chibo")
		cmd := exec.Command("go", "build", "-o", binPath, "./server")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freePort(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// process is the server running as a separate process.
type process struct {
	cmd  *exec.Cmd
	addr string
}

func startServer(t testing.TB, url, addr string) *process {
	t.Helper()
	cmd := exec.Command(serverBinary(t), "serve")
	cmd.Env = append(os.Environ(), "CHIBO_DATABASE_URL="+url, "CHIBO_ADDR="+addr,
		"CHIBO_JWT_SECRET=sync-test-key-0123456789abcdef0123", "CHIBO_LOG_LEVEL=warn", "CHIBO_DATA_DIR="+t.TempDir())
	cmd.Stdout, cmd.Stderr = logOut(), logOut()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, addr: addr}
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the server did not become ready")
	return nil
}

func (p *process) kill() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_, _ = p.cmd.Process.Wait()
	}
}

// TestNoAcknowledgedWriteIsLostWhenKilled is invariant 1: the server is killed with SIGKILL while a device pushes;
// after each restart every mutation the server acknowledged is in the database and reaches another device, and
// the device's unacknowledged mutations land exactly once.
func TestNoAcknowledgedWriteIsLostWhenKilled(t *testing.T) {
	url := testdb.URL(t)
	db, err := store.Open(context.Background(), store.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h := newHarnessOn(t, db)
	addr := freePort(t)
	srv := startServer(t, url, addr)
	dev := h.device("off1")
	dev.BaseURL = "http://" + addr
	dev.PushBatch = 7
	pull(t, dev)
	acked := map[string]bool{} // meeting ids whose creation the server acknowledged
	created := map[int64]string{}
	for kill := 0; kill < 3; kill++ {
		stop := time.After(time.Duration(300+kill*200) * time.Millisecond)
	loop:
		for {
			select {
			case <-stop:
				break loop
			default:
			}
			// One meeting and its attendance per push group.
			mid := uuid.NewString()
			m := dev.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: mid,
				Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.String(), "topic", "Trước khi tắt")})
			created[m.Seq] = mid
			for _, mem := range h.members["A"][:2] {
				dev.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: wire.AttendanceID(mid, mem.ID),
					Fields: fields("meeting_id", mid, "member_id", mem.ID, "status", "present")})
			}
			st, err := dev.Push(context.Background())
			if st != nil {
				for _, r := range st.Results {
					if id, ok := created[r.Seq]; ok && r.Status == wire.StatusApplied {
						acked[id] = true
					}
				}
			}
			if err != nil {
				t.Fatalf("push before the kill: %v", err)
			}
		}
		// Kill mid-traffic: a push of the device's next mutations is in flight, and its answer is lost.
		for i := 0; i < 20; i++ {
			mid := uuid.NewString()
			m := dev.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: mid,
				Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.String(), "topic", "Trước khi tắt")})
			created[m.Seq] = mid
			for _, mem := range h.members["A"][:2] {
				dev.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: wire.AttendanceID(mid, mem.ID),
					Fields: fields("meeting_id", mid, "member_id", mem.ID, "status", "present")})
			}
		}
		inflight := h.device("off1")
		inflight.BaseURL, inflight.PushBatch = dev.BaseURL, 500
		inflight.Local.ClientID = dev.Local.ClientID
		inflight.Local.Outbox = append([]wire.Mutation(nil), dev.Local.Outbox...)
		done := make(chan struct{})
		go func() { defer close(done); _, _ = inflight.Push(context.Background()) }()
		time.Sleep(time.Duration(1+kill*4) * time.Millisecond)
		srv.kill()
		<-done
		srv = startServer(t, url, addr)
		// The device sends what is left; replays of what the dead server had already applied are duplicates.
		for i := 0; i < 5 && len(dev.Local.Outbox) > 0; i++ {
			st, err := dev.Push(context.Background())
			if err != nil {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			for _, r := range st.Results {
				if id, ok := created[r.Seq]; ok && r.Status == wire.StatusApplied {
					acked[id] = true
				}
			}
		}
	}
	if len(dev.Local.Outbox) != 0 {
		t.Fatalf("%d mutations never landed", len(dev.Local.Outbox))
	}
	other := h.device("off2")
	other.BaseURL = "http://" + addr
	pull(t, other)
	var inDB int
	if err := db.R.NewSelect().Model((*store.Meeting)(nil)).Where("topic = ?", "Trước khi tắt").ColumnExpr("count(*)").Scan(context.Background(), &inDB); err != nil {
		t.Fatal(err)
	}
	if inDB != len(created) {
		t.Errorf("%d meetings in the database, %d created (each exactly once)", inDB, len(created))
	}
	for id := range acked {
		if other.Local.Row("meetings", id) == nil {
			t.Errorf("acknowledged meeting %s did not reach the other device", id)
		}
	}
	perMeeting := map[string]int{}
	for _, r := range other.Local.Table("attendance") {
		perMeeting[string(r.Field("meeting_id"))]++
	}
	for _, id := range created {
		if n := perMeeting[`"`+id+`"`]; n != 2 {
			t.Errorf("meeting %s has %d attendance rows on the other device, want 2", id, n)
		}
	}
	t.Logf("%d meetings created over 3 kills, %d acknowledged before a kill or after", len(created), len(acked))
}
