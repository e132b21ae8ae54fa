package files_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/files"
	"github.com/chibo-vn/chibo/server/files/s3test"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/server/testdb"
	"github.com/chibo-vn/chibo/sync/engine"
)

// env is a province with two communes: sec is the secretary of cellA (commune 1), other the secretary of cellX
// (commune 2); meetingA and meetingX are their cells' meetings.
type env struct {
	t                  *testing.T
	db                 *store.DB
	sec, other         *store.User
	meetingA, meetingX *store.Meeting
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, db: testdb.New(t)}
	ctx := context.Background()
	err := e.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		unit := func(name string, kind domain.OrgKind, parent *store.OrgUnit) *store.OrgUnit {
			u := &store.OrgUnit{Name: name, Kind: kind}
			if parent != nil {
				u.ParentID = &parent.ID
			}
			if err := store.CreateOrgUnit(ctx, tx, u); err != nil {
				t.Fatal(err)
			}
			return u
		}
		prov := unit("Đảng bộ tỉnh Quảng Trị", domain.KindProvince, nil)
		c1 := unit("Đảng bộ xã Triệu Phong", domain.KindCommune, prov)
		c2 := unit("Đảng bộ xã Ái Tử", domain.KindCommune, prov)
		cellA := unit("Chi bộ thôn An Lợi", domain.KindCell, c1)
		cellX := unit("Chi bộ khu phố 3", domain.KindCell, c2)
		user := func(name string, over *store.OrgUnit) *store.User {
			u := &store.User{Username: name, DisplayName: "Đồng chí " + name, PasswordHash: "x", Active: true, HomeOrgUnitID: &over.ID}
			if err := store.CreateUser(ctx, tx, u); err != nil {
				t.Fatal(err)
			}
			if err := store.CreateGrant(ctx, tx, &store.RoleGrant{UserID: u.ID, Role: domain.RoleSecretary, OrgUnitID: &over.ID}); err != nil {
				t.Fatal(err)
			}
			return u
		}
		e.sec, e.other = user("bithu1", cellA), user("bithu2", cellX)
		meeting := func(cell *store.OrgUnit) *store.Meeting {
			m := &store.Meeting{CellID: cell.ID, MeetingDate: domain.DateOf(store.Now()).AddDays(-3), Type: domain.MeetingRegular,
				Mode: "in_person", Status: domain.MeetingHeld}
			m.ID = domain.NewID()
			m.CreatedAt, m.UpdatedAt = store.Now(), store.Now()
			if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			return m
		}
		e.meetingA, e.meetingX = meeting(cellA), meeting(cellX)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// row records a file row of meeting m for content b, as the push would (mime as given, sha256 and size of b).
func (e *env) row(m *store.Meeting, b []byte, mime string) *store.MeetingFile {
	e.t.Helper()
	sum := sha256.Sum256(b)
	f := &store.MeetingFile{MeetingID: m.ID, Kind: domain.FileAttendanceSheet, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b)), Mime: mime}
	f.ID = domain.NewID()
	err := e.db.Write(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		return store.Insert(ctx, tx, f)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

func (e *env) get(id string) *store.MeetingFile {
	e.t.Helper()
	f, err := store.GetMeetingFile(context.Background(), e.db.R, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// instance is one server: a file service over the env's database, behind an authentication stand-in that takes
// the caller's user id from X-User.
type instance struct {
	svc *files.Service
	srv *httptest.Server
	// cutDone receives when the server has finished with a request cutPatch sent (marked X-Cut).
	cutDone chan struct{}
}

func (e *env) start(cfg files.Config) *instance {
	e.t.Helper()
	svc, err := files.Open(context.Background(), cfg, e.db, files.Options{Authorize: engine.CanWriteFiles, RenderError: api.ErrorJSON,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		e.t.Fatal(err)
	}
	cutDone := make(chan struct{}, 8)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Cut") != "" {
			defer func() { cutDone <- struct{}{} }()
		}
		ctx := r.Context()
		if id := r.Header.Get("X-User"); id != "" {
			p, err := store.LoadPrincipal(ctx, e.db.R, id)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			ctx = domain.WithPrincipal(ctx, p)
		}
		svc.UploadHandler().ServeHTTP(w, r.WithContext(ctx))
	})
	srv := httptest.NewServer(h)
	e.t.Cleanup(srv.Close)
	return &instance{svc: svc, srv: srv, cutDone: cutDone}
}

// tus is a raw tus 1.0.0 client.
type result struct {
	status int
	header http.Header
	body   []byte
}

func (r result) code(t *testing.T) string {
	t.Helper()
	var b struct{ Code, Field string }
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	return b.Code
}

func (in *instance) send(t *testing.T, method, path string, user *store.User, body io.Reader, hdr ...string) result {
	t.Helper()
	req, err := http.NewRequest(method, in.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Tus-Resumable", "1.0.0")
	if user != nil {
		req.Header.Set("X-User", user.ID)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return result{status: -1, body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

func meta(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+" "+base64.StdEncoding.EncodeToString([]byte(kv[i+1])))
	}
	return strings.Join(parts, ",")
}

// create begins an upload of row f's content as user; it returns the answer and the upload's path.
func (in *instance) create(t *testing.T, user *store.User, f *store.MeetingFile, length int64) (result, string) {
	t.Helper()
	r := in.send(t, http.MethodPost, files.UploadsPath, user, nil, "Upload-Length", strconv.FormatInt(length, 10),
		"Upload-Metadata", meta("file_id", f.ID, "filename", "anh-1.jpg", "filetype", f.Mime))
	loc := r.header.Get("Location")
	if r.status == http.StatusCreated && !strings.HasPrefix(loc, files.UploadsPath) {
		t.Fatalf("Location %q is not a path under %s", loc, files.UploadsPath)
	}
	return r, loc
}

func (in *instance) patch(t *testing.T, user *store.User, loc string, off int64, b []byte) result {
	t.Helper()
	return in.send(t, http.MethodPatch, loc, user, bytes.NewReader(b), "Upload-Offset", strconv.FormatInt(off, 10),
		"Content-Type", "application/offset+octet-stream")
}

func (in *instance) offset(t *testing.T, user *store.User, loc string) (int, int64) {
	t.Helper()
	r := in.send(t, http.MethodHead, loc, user, nil)
	n, _ := strconv.ParseInt(r.header.Get("Upload-Offset"), 10, 64)
	return r.status, n
}

// cutPatch sends a PATCH whose connection breaks after the first n bytes of b, as a phone losing its signal, and
// returns once the server has finished with it: the client gives up at once, but the server may not even have
// begun reading the request by then (on a busy machine it did so after three HEADs had read the old offset, and
// the resumed PATCH was refused as mismatched).
func (in *instance) cutPatch(t *testing.T, user *store.User, loc string, off int64, b []byte, n int) {
	t.Helper()
	body := io.MultiReader(bytes.NewReader(b[:n]), errReader{})
	req, _ := http.NewRequest(http.MethodPatch, in.srv.URL+loc, body)
	req.ContentLength = int64(len(b))
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("X-User", user.ID)
	req.Header.Set("X-Cut", "1")
	req.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a cut PATCH was answered %d", resp.StatusCode)
	}
	select {
	case <-in.cutDone:
	case <-time.After(60 * time.Second):
		t.Fatal("the server never finished the cut PATCH")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("signal lost") }

// jpeg returns n bytes a sniffer takes for a JPEG, the rest random.
func jpeg(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0})
	return b
}

func png(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	copy(b, []byte("\x89PNG\r\n\x1a\n"))
	return b
}

func readBlob(t *testing.T, b files.Blobs, sha string) []byte {
	t.Helper()
	r, err := b.Open(context.Background(), sha)
	if err != nil {
		t.Fatalf("open blob %s: %v", sha, err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != int64(len(got)) {
		t.Fatalf("blob Size() %d, read %d", r.Size(), len(got))
	}
	return got
}

// TestUploadResumes uploads a photo in raw tus requests: creation, a PATCH cut by a lost signal, HEAD for the
// offset, the rest; the content lands once under data/files/ab/<sha256>, the row is marked uploaded through the
// change log and nothing of the upload is left.
func TestUploadResumes(t *testing.T) {
	e := newEnv(t)
	data := t.TempDir()
	in := e.start(files.Config{DataDir: data})
	content := jpeg(300 << 10)
	f := e.row(e.meetingA, content, "image/jpeg")
	before := e.get(f.ID)

	r, loc := in.create(t, e.sec, f, f.Size)
	if r.status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	if r := in.patch(t, e.sec, loc, 0, content[:100<<10]); r.status != http.StatusNoContent || r.header.Get("Upload-Offset") != strconv.Itoa(100<<10) {
		t.Fatalf("first PATCH: %d offset %s %s", r.status, r.header.Get("Upload-Offset"), r.body)
	}
	if st, off := in.offset(t, e.sec, loc); st != http.StatusOK || off != 100<<10 {
		t.Fatalf("HEAD: %d offset %d, want 200 and %d", st, off, 100<<10)
	}
	in.cutPatch(t, e.sec, loc, 100<<10, content[100<<10:], 64<<10)
	st, off := in.offset(t, e.sec, loc) // cutPatch returned once the server had saved what it received
	if st != http.StatusOK {
		t.Fatalf("HEAD after the cut: %d", st)
	}
	if off < 100<<10 || off > 164<<10 {
		t.Fatalf("offset after the cut %d, want between %d and %d", off, 100<<10, 164<<10)
	}
	if e.get(f.ID).UploadedAt != nil {
		t.Fatal("row marked uploaded before the last byte")
	}
	if r := in.patch(t, e.sec, loc, off, content[off:]); r.status != http.StatusNoContent || r.header.Get("Upload-Offset") != strconv.Itoa(len(content)) {
		t.Fatalf("last PATCH: %d offset %s %s", r.status, r.header.Get("Upload-Offset"), r.body)
	}
	after := e.get(f.ID)
	if after.UploadedAt == nil {
		t.Fatal("row not marked uploaded")
	}
	if after.Version <= before.Version {
		t.Fatalf("row version %d after the upload, was %d: not a tracked write", after.Version, before.Version)
	}
	blobPath := filepath.Join(data, "files", f.SHA256[:2], f.SHA256)
	onDisk, err := os.ReadFile(blobPath)
	if err != nil || !bytes.Equal(onDisk, content) {
		t.Fatalf("blob at %s: %d bytes, %v; want the %d bytes sent", blobPath, len(onDisk), err, len(content))
	}
	if got := readBlob(t, in.svc.Blobs(), f.SHA256); !bytes.Equal(got, content) {
		t.Fatal("Blobs().Open reads other bytes")
	}
	b, err := store.GetFileBlob(context.Background(), e.db.R, f.SHA256)
	if err != nil || b == nil || b.Size != f.Size || b.Mime != "image/jpeg" {
		t.Fatalf("file_blobs row %+v, %v", b, err)
	}
	left, _ := os.ReadDir(filepath.Join(data, "uploads"))
	var names []string
	for _, d := range left {
		if !strings.HasSuffix(d.Name(), ".lock") {
			names = append(names, d.Name())
		}
	}
	if len(names) > 0 {
		t.Fatalf("upload staging left behind: %v", names)
	}
	if st, _ := in.offset(t, e.sec, loc); st != http.StatusNotFound {
		t.Fatalf("HEAD of a finished upload: %d, want 404 (its staging is deleted)", st)
	}
	// The change log holds the tracked write a device pulls.
	var last string
	if err := e.db.R.NewSelect().Table("sync_changes").Column("data").Where("row_id = ? AND tbl = ?", f.ID, "meeting_files").
		OrderExpr("seq DESC").Limit(1).Scan(context.Background(), &last); err != nil {
		t.Fatal(err)
	}
	var pulled store.MeetingFile
	if err := json.Unmarshal([]byte(last), &pulled); err != nil || pulled.UploadedAt == nil {
		t.Fatalf("the change log's last entry of the row %s has no uploaded_at (%v)", last, err)
	}
	// The upload is audited, under the meeting's cell.
	var audit store.AuditEntry
	if err := e.db.R.NewSelect().Model(&audit).Where("entity = ? AND entity_id = ?", "meeting_file", f.ID).Scan(context.Background()); err != nil {
		t.Fatalf("no audit entry of the upload: %v", err)
	}
	if audit.Action != "upload" || audit.OrgUnitID == nil || *audit.OrgUnitID != e.meetingA.CellID || audit.ActorUserID == nil || *audit.ActorUserID != e.sec.ID {
		t.Fatalf("audit entry %+v", audit)
	}
	// A second upload of the same row is refused: the server has it.
	if r, _ := in.create(t, e.sec, f, f.Size); r.status != http.StatusConflict || r.code(t) != "conflict" {
		t.Fatalf("POST for an uploaded row: %d %s", r.status, r.body)
	}
}

// TestUploadRefusals: the row must exist and be the caller's to write, the length must be the row's size within
// the limit, the bytes must hash to the row's SHA-256 and be of its type; a refused upload is discarded.
func TestUploadRefusals(t *testing.T) {
	e := newEnv(t)
	data := t.TempDir()
	in := e.start(files.Config{DataDir: data})
	content := jpeg(40 << 10)
	f := e.row(e.meetingA, content, "image/jpeg")

	if r := in.send(t, http.MethodPost, files.UploadsPath, nil, nil, "Upload-Length", "10"); r.status != http.StatusUnauthorized {
		t.Fatalf("anonymous POST: %d", r.status)
	}
	if r, _ := in.create(t, e.other, f, f.Size); r.status != http.StatusNotFound || r.code(t) != "not_found" {
		t.Fatalf("another commune's secretary: %d %s, want 404", r.status, r.body)
	}
	unknown := *f
	unknown.ID = domain.NewID()
	if r, _ := in.create(t, e.sec, &unknown, f.Size); r.status != http.StatusNotFound {
		t.Fatalf("unknown row: %d %s", r.status, r.body)
	}
	// an upload's id is never a path: the same upload reached through "../uploads/<id>" is nobody's
	if r, loc := in.create(t, e.sec, f, f.Size); r.status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.status, r.body)
	} else {
		if st, _ := in.offset(t, e.sec, loc); st != http.StatusOK {
			t.Fatalf("HEAD %s: %d", loc, st)
		}
		id := loc[strings.LastIndex(loc, "/")+1:]
		if st, _ := in.offset(t, e.sec, files.UploadsPath+"..%2Fuploads%2F"+id); st != http.StatusNotFound {
			t.Fatalf("HEAD through ..%%2F: %d, want 404", st)
		}
		in.send(t, http.MethodDelete, loc, e.sec, nil)
	}
	if r, _ := in.create(t, e.sec, f, domain.MaxFileBytes+1); r.status != http.StatusRequestEntityTooLarge || r.code(t) != "too_large" {
		t.Fatalf("too big: %d %s", r.status, r.body)
	} else if !strings.Contains(string(r.body), "10 MB") {
		t.Fatalf("too big: the message does not give the limit: %s", r.body)
	}
	if r, _ := in.create(t, e.sec, f, f.Size-1); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), strconv.FormatInt(f.Size, 10)) {
		t.Fatalf("length other than the row's size: %d %s", r.status, r.body)
	}
	if r := in.send(t, http.MethodPost, files.UploadsPath, e.sec, nil, "Upload-Length", "10"); r.status != http.StatusBadRequest {
		t.Fatalf("no file_id: %d %s", r.status, r.body)
	}

	// Someone else cannot continue or look at the caller's upload.
	r, loc := in.create(t, e.sec, f, f.Size)
	if r.status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	if r := in.patch(t, e.other, loc, 0, content); r.status != http.StatusNotFound {
		t.Fatalf("PATCH by another commune's secretary: %d %s", r.status, r.body)
	}
	if st, _ := in.offset(t, e.other, loc); st != http.StatusNotFound {
		t.Fatalf("HEAD by another commune's secretary: %d", st)
	}

	// Bytes other than the row's: 422, the upload is gone, the row stays waiting.
	wrong := jpeg(len(content))
	if r := in.patch(t, e.sec, loc, 0, wrong); r.status != http.StatusUnprocessableEntity || r.code(t) != "unprocessable" {
		t.Fatalf("hash mismatch: %d %s", r.status, r.body)
	} else if !strings.Contains(string(r.body), "SHA-256") {
		t.Fatalf("hash mismatch message: %s", r.body)
	}
	if st, _ := in.offset(t, e.sec, loc); st != http.StatusNotFound {
		t.Fatalf("HEAD after a hash mismatch: %d, want 404 (discarded)", st)
	}
	if e.get(f.ID).UploadedAt != nil {
		t.Fatal("row marked uploaded after a hash mismatch")
	}
	if _, err := os.Stat(filepath.Join(data, "files", f.SHA256[:2], f.SHA256)); !os.IsNotExist(err) {
		t.Fatalf("a refused content was kept: %v", err)
	}

	// The right hash but the wrong type: a PNG declared as a JPEG.
	pic := png(30 << 10)
	g := e.row(e.meetingA, pic, "image/jpeg")
	_, loc = in.create(t, e.sec, g, g.Size)
	if r := in.patch(t, e.sec, loc, 0, pic); r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "image/jpeg") {
		t.Fatalf("type mismatch: %d %s", r.status, r.body)
	}
	if e.get(g.ID).UploadedAt != nil {
		t.Fatal("row marked uploaded after a type mismatch")
	}
	// A PDF declared as one is accepted.
	pdf := append([]byte("%PDF-1.7\n"), jpeg(5000)...)
	h := e.row(e.meetingA, pdf, "application/pdf")
	_, loc = in.create(t, e.sec, h, h.Size)
	if r := in.patch(t, e.sec, loc, 0, pdf); r.status != http.StatusNoContent || e.get(h.ID).UploadedAt == nil {
		t.Fatalf("PDF: %d %s", r.status, r.body)
	}
}

// TestDedup: two rows of one content, the bytes sent once, both marked; a row of a content the server holds is
// refused an upload (409) and marked.
func TestDedup(t *testing.T) {
	e := newEnv(t)
	data := t.TempDir()
	in := e.start(files.Config{DataDir: data})
	content := jpeg(20 << 10)
	f1 := e.row(e.meetingA, content, "image/jpeg")
	f2 := e.row(e.meetingA, content, "image/jpeg")
	_, loc := in.create(t, e.sec, f1, f1.Size)
	if r := in.patch(t, e.sec, loc, 0, content); r.status != http.StatusNoContent {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	if e.get(f1.ID).UploadedAt == nil || e.get(f2.ID).UploadedAt == nil {
		t.Fatal("both rows of the content should be marked uploaded")
	}
	// A third row of the same content, written while the server held it (had the push not marked it).
	f3 := e.row(e.meetingX, content, "image/jpeg")
	if r, _ := in.create(t, e.other, f3, f3.Size); r.status != http.StatusConflict {
		t.Fatalf("POST for held content: %d %s", r.status, r.body)
	} else {
		var b struct{ Field string }
		_ = json.Unmarshal(r.body, &b)
		if b.Field != "uploaded_at" {
			t.Fatalf("409 field %q, want uploaded_at: %s", b.Field, r.body)
		}
	}
	if e.get(f3.ID).UploadedAt == nil {
		t.Fatal("the third row was not marked")
	}
	var n int
	err := filepath.Walk(filepath.Join(data, "files"), func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n++
		}
		return err
	})
	if err != nil || n != 1 {
		t.Fatalf("%d files in the blob store, %v; want 1", n, err)
	}
}

// TestS3TwoInstances runs the upload against a real S3-compatible store (SeaweedFS) shared by two instances on one
// database: begun on A, cut, continued on B from the offset B reads in the bucket, finished on B; both read the
// content, which is under files/<sha256> in the bucket; the upload's staging is gone.
func TestS3TwoInstances(t *testing.T) {
	e := newEnv(t)
	s3cfg := s3test.Start(t)
	a := e.start(files.Config{DataDir: t.TempDir(), S3: s3cfg})
	b := e.start(files.Config{DataDir: t.TempDir(), S3: s3cfg})
	content := jpeg(700 << 10)
	f := e.row(e.meetingA, content, "image/jpeg")

	r, loc := a.create(t, e.sec, f, f.Size)
	if r.status != http.StatusCreated {
		t.Fatalf("POST on A: %d %s", r.status, r.body)
	}
	if r := a.patch(t, e.sec, loc, 0, content[:200<<10]); r.status != http.StatusNoContent {
		t.Fatalf("PATCH on A: %d %s", r.status, r.body)
	}
	a.cutPatch(t, e.sec, loc, 200<<10, content[200<<10:], 100<<10)
	st, off := b.offset(t, e.sec, loc) // cutPatch returned once A had saved what it received
	if st != http.StatusOK {
		t.Fatalf("HEAD on B after the cut: %d", st)
	}
	if off < 200<<10 || off > 300<<10 {
		t.Fatalf("offset B reads after the cut on A: %d, want between %d and %d", off, 200<<10, 300<<10)
	}
	if st, offA := a.offset(t, e.sec, loc); st != http.StatusOK || offA != off {
		t.Fatalf("A and B disagree on the offset: %d vs %d", offA, off)
	}
	if r := b.patch(t, e.sec, loc, off, content[off:]); r.status != http.StatusNoContent {
		t.Fatalf("PATCH on B: %d %s", r.status, r.body)
	}
	if e.get(f.ID).UploadedAt == nil {
		t.Fatal("row not marked uploaded")
	}
	for name, in := range map[string]*instance{"A": a, "B": b} {
		if got := readBlob(t, in.svc.Blobs(), f.SHA256); !bytes.Equal(got, content) {
			t.Fatalf("instance %s reads other bytes", name)
		}
	}
	cl, err := files.NewS3Client(s3cfg)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for o := range cl.ListObjects(context.Background(), s3cfg.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
	}
	if len(keys) != 1 || keys[0] != "files/"+f.SHA256 {
		t.Fatalf("bucket holds %v; want only files/%s (the upload's staging deleted)", keys, f.SHA256)
	}
	// A stale upload is pruned from the bucket: its objects and its multipart upload.
	h := e.row(e.meetingA, jpeg(60<<10), "image/jpeg")
	_, loc = a.create(t, e.sec, h, h.Size)
	if r := a.patch(t, e.sec, loc, 0, jpeg(20<<10)); r.status != http.StatusNoContent {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	if n, err := b.svc.Prune(context.Background(), files.StaleUploads); err != nil || n != 0 {
		t.Fatalf("Prune of a fresh upload on S3: %d, %v", n, err)
	}
	if n, err := b.svc.Prune(context.Background(), -time.Hour); err != nil || n != 1 {
		t.Fatalf("Prune of every upload on S3: %d, %v; want 1", n, err)
	}
	if st, _ := a.offset(t, e.sec, loc); st != http.StatusNotFound {
		t.Fatalf("HEAD of a pruned upload on S3: %d", st)
	}
	for u := range cl.ListIncompleteUploads(context.Background(), s3cfg.Bucket, "uploads/", true) {
		t.Fatalf("multipart upload left: %+v", u)
	}
	// A hash mismatch on S3 is discarded too.
	g := e.row(e.meetingA, jpeg(50<<10), "image/jpeg")
	_, loc = b.create(t, e.sec, g, g.Size)
	if r := a.patch(t, e.sec, loc, 0, jpeg(50<<10)); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("hash mismatch on S3: %d %s", r.status, r.body)
	}
	if st, _ := b.offset(t, e.sec, loc); st != http.StatusNotFound {
		t.Fatalf("HEAD after a mismatch on S3: %d, want 404", st)
	}
}

// TestS3ConfigChecked: an incomplete S3 configuration is refused with what is missing; a bucket that does not
// exist is created.
func TestS3ConfigChecked(t *testing.T) {
	e := newEnv(t)
	_, err := files.Open(context.Background(), files.Config{S3: files.S3Config{Endpoint: "127.0.0.1:1", Bucket: "b"}}, e.db,
		files.Options{Authorize: engine.CanWriteFiles})
	if err == nil || !strings.Contains(err.Error(), "CHIBO_S3_ACCESS_KEY") || !strings.Contains(err.Error(), "CHIBO_S3_SECRET_KEY") {
		t.Fatalf("incomplete S3 configuration: %v", err)
	}
	s3cfg := s3test.Start(t)
	s3cfg.Bucket = "chibo-new-bucket"
	in := e.start(files.Config{S3: s3cfg})
	cl, _ := files.NewS3Client(s3cfg)
	if ok, err := cl.BucketExists(context.Background(), s3cfg.Bucket); err != nil || !ok {
		t.Fatalf("bucket %s not created: %v", s3cfg.Bucket, err)
	}
	if !strings.HasPrefix(in.svc.Blobs().Where(), "s3://chibo-new-bucket/") {
		t.Fatalf("Where() = %s", in.svc.Blobs().Where())
	}
}

// TestPruneStaleUploads: an upload nobody continued for a week is deleted with its files; a recent one and the
// kept contents stay.
func TestPruneStaleUploads(t *testing.T) {
	e := newEnv(t)
	data := t.TempDir()
	in := e.start(files.Config{DataDir: data})
	content := jpeg(30 << 10)
	f := e.row(e.meetingA, content, "image/jpeg")
	_, loc := in.create(t, e.sec, f, f.Size)
	if r := in.patch(t, e.sec, loc, 0, content[:10<<10]); r.status != http.StatusNoContent {
		t.Fatalf("PATCH: %d %s", r.status, r.body)
	}
	if n, err := in.svc.Prune(context.Background(), files.StaleUploads); err != nil || n != 0 {
		t.Fatalf("Prune of a fresh upload: %d, %v", n, err)
	}
	old := time.Now().Add(-8 * 24 * time.Hour)
	entries, _ := os.ReadDir(filepath.Join(data, "uploads"))
	for _, d := range entries {
		if err := os.Chtimes(filepath.Join(data, "uploads", d.Name()), old, old); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := in.svc.Prune(context.Background(), files.StaleUploads); err != nil || n != 1 {
		t.Fatalf("Prune of a week-old upload: %d, %v; want 1", n, err)
	}
	if left, _ := os.ReadDir(filepath.Join(data, "uploads")); len(left) != 0 {
		t.Fatalf("left in uploads/: %v", left)
	}
	if st, _ := in.offset(t, e.sec, loc); st != http.StatusNotFound {
		t.Fatalf("HEAD of a pruned upload: %d", st)
	}
}

// TestHeadFinishes: when the last PATCH could not be finished (here the blob store fails), the upload stays whole
// on the server; a HEAD, as a device sends to resume, finishes it and answers the full length.
func TestHeadFinishes(t *testing.T) {
	e := newEnv(t)
	data := t.TempDir()
	in := e.start(files.Config{DataDir: data})
	content := jpeg(25 << 10)
	f := e.row(e.meetingA, content, "image/jpeg")
	_, loc := in.create(t, e.sec, f, f.Size)
	// A file where the content's directory should be: the store cannot write it.
	block := filepath.Join(data, "files", f.SHA256[:2])
	if err := os.WriteFile(block, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := in.patch(t, e.sec, loc, 0, content); r.status != http.StatusInternalServerError || r.code(t) != "internal" {
		t.Fatalf("last PATCH with a failing store: %d %s", r.status, r.body)
	}
	if e.get(f.ID).UploadedAt != nil {
		t.Fatal("row marked uploaded though the store failed")
	}
	if err := os.Remove(block); err != nil {
		t.Fatal(err)
	}
	st, off := in.offset(t, e.sec, loc)
	if st != http.StatusOK || off != f.Size {
		t.Fatalf("HEAD: %d offset %d, want 200 and %d", st, off, f.Size)
	}
	if e.get(f.ID).UploadedAt == nil {
		t.Fatal("the HEAD did not finish the upload")
	}
	if got := readBlob(t, in.svc.Blobs(), f.SHA256); !bytes.Equal(got, content) {
		t.Fatal("kept content differs")
	}
}
