package api_test

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
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/files"
	"github.com/chibo-vn/chibo/server/files/s3test"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/engine"
	"github.com/chibo-vn/chibo/sync/wire"
)

// photo returns n bytes a sniffer takes for a JPEG and their SHA-256.
func photo(n int) ([]byte, string) {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	copy(b, []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0})
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

// pushFile writes a meeting_files row as a device does (PROTOCOL.md) and returns the push's result.
func (w *world) pushFile(user, meetingID, id string, content []byte, sha string) wire.Result {
	w.t.Helper()
	r := w.do(http.MethodPost, "/api/v1/sync/push", user, wire.PushRequest{ClientID: uuid.NewString(), Mutations: []wire.Mutation{{
		Seq: 1, Table: "meeting_files", Op: wire.MutUpsert, RowID: id,
		Fields: map[string]json.RawMessage{"meeting_id": jsonOf(w.t, meetingID), "kind": jsonOf(w.t, "attendance_sheet"),
			"caption": jsonOf(w.t, "Danh sách ký tên"), "sha256": jsonOf(w.t, sha), "size": jsonOf(w.t, len(content)),
			"mime": jsonOf(w.t, "image/jpeg"), "width": jsonOf(w.t, 1600), "height": jsonOf(w.t, 1200)},
	}}})
	var push wire.PushResponse
	r.json(w.t, &push)
	if r.status != http.StatusOK || len(push.Results) != 1 {
		w.t.Fatalf("push: %d %s", r.status, r.body)
	}
	return push.Results[0]
}

// tus sends a raw tus request to srv as user.
func (w *world) tus(srv *httptest.Server, method, path, user string, body []byte, hdr ...string) response {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, _ := http.NewRequest(method, srv.URL+path, rd)
	req.Header.Set("Tus-Resumable", "1.0.0")
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+w.token(user))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/offset+octet-stream")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (w *world) tusCreate(srv *httptest.Server, user, fileID string, size int) response {
	w.t.Helper()
	return w.tus(srv, http.MethodPost, "/api/v1/uploads/", user, nil, "Upload-Length", strconv.Itoa(size),
		"Upload-Metadata", "file_id "+base64.StdEncoding.EncodeToString([]byte(fileID))+",filename "+
			base64.StdEncoding.EncodeToString([]byte("trang-1.jpg"))+",filetype "+base64.StdEncoding.EncodeToString([]byte("image/jpeg")))
}

func (w *world) tusPatch(srv *httptest.Server, user, loc string, off int, b []byte) response {
	w.t.Helper()
	return w.tus(srv, http.MethodPatch, loc, user, b, "Upload-Offset", strconv.Itoa(off))
}

func (w *world) tusOffset(srv *httptest.Server, user, loc string) (int, int) {
	w.t.Helper()
	r := w.tus(srv, http.MethodHead, loc, user, nil)
	n, _ := strconv.Atoi(r.header.Get("Upload-Offset"))
	return r.status, n
}

// tusCut sends a PATCH whose connection breaks after n bytes of b.
func (w *world) tusCut(srv *httptest.Server, user, loc string, off int, b []byte, n int) {
	w.t.Helper()
	req, _ := http.NewRequest(http.MethodPatch, srv.URL+loc, io.MultiReader(bytes.NewReader(b[:n]), brokenReader{}))
	req.ContentLength = int64(len(b))
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Authorization", "Bearer "+w.token(user))
	req.Header.Set("Upload-Offset", strconv.Itoa(off))
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		w.t.Fatalf("a cut PATCH was answered %d", resp.StatusCode)
	}
}

type brokenReader struct{}

func (brokenReader) Read([]byte) (int, error) { return 0, errors.New("signal lost") }

// settled polls HEAD until the offset stops moving after a cut.
func (w *world) settled(srv *httptest.Server, user, loc string) int {
	w.t.Helper()
	last := -1
	for range 50 {
		st, off := w.tusOffset(srv, user, loc)
		if st != http.StatusOK {
			w.t.Fatalf("HEAD %s: %d", loc, st)
		}
		if off == last {
			return off
		}
		last = off
		time.Sleep(20 * time.Millisecond)
	}
	return last
}

// resume finishes an upload after a cut as a tus client does: HEAD for the offset, PATCH the rest, and on 409 (the
// server was still writing the cut request's bytes, so the offset moved) ask again. The offset after the cut must
// lie in [lo, hi].
func (w *world) resume(srv *httptest.Server, user, loc string, content []byte, lo, hi int) {
	w.t.Helper()
	for try := 0; ; try++ {
		off := w.settled(srv, user, loc)
		if off < lo || off > hi {
			w.t.Fatalf("offset after the cut: %d, want %d to %d", off, lo, hi)
		}
		r := w.tusPatch(srv, user, loc, off, content[off:])
		if r.status == http.StatusNoContent {
			return
		}
		if r.status != http.StatusConflict || try == 4 {
			w.t.Fatalf("PATCH after the cut (try %d): %d %s", try+1, r.status, r.body)
		}
	}
}

// checkDownload fetches the file as user from srv and checks the bytes and the headers CONTRACT.md promises.
func (w *world) checkDownload(srv *httptest.Server, user, fileID string, content []byte, sha string) {
	w.t.Helper()
	r := w.tus(srv, http.MethodGet, "/api/v1/meeting-files/"+fileID, user, nil)
	if r.status != http.StatusOK || !bytes.Equal(r.body, content) {
		w.t.Fatalf("GET file as %s: %d, %d bytes (want %d) %s", user, r.status, len(r.body), len(content), truncateBody(r.body))
	}
	want := map[string]string{"Cache-Control": "private, max-age=31536000, immutable", "ETag": `"` + sha + `"`,
		"X-Content-Type-Options": "nosniff", "Content-Type": "image/jpeg", "Content-Length": strconv.Itoa(len(content))}
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			w.t.Errorf("GET file: %s = %q, want %q", k, got, v)
		}
	}
	h := w.tus(srv, http.MethodHead, "/api/v1/meeting-files/"+fileID, user, nil)
	if h.status != http.StatusOK || len(h.body) != 0 || h.header.Get("ETag") != want["ETag"] || h.header.Get("Content-Length") != want["Content-Length"] {
		w.t.Errorf("HEAD file: %d, %d bytes, ETag %q, Content-Length %q", h.status, len(h.body), h.header.Get("ETag"), h.header.Get("Content-Length"))
	}
	if r := w.tus(srv, http.MethodGet, "/api/v1/meeting-files/"+fileID, user, nil, "If-None-Match", want["ETag"]); r.status != http.StatusNotModified {
		w.t.Errorf("GET with If-None-Match: %d, want 304", r.status)
	}
	if r := w.tus(srv, http.MethodGet, "/api/v1/meeting-files/"+fileID, user, nil, "Range", "bytes=0-9"); r.status != http.StatusPartialContent || !bytes.Equal(r.body, content[:10]) {
		w.t.Errorf("GET with Range: %d, %d bytes", r.status, len(r.body))
	}
}

func truncateBody(b []byte) string {
	if len(b) > 300 {
		b = b[:300]
	}
	return string(b)
}

// TestMeetingFiles follows a photo from the push of its row to its download: the bytes by tus (two PATCHes, a cut,
// HEAD, resume), uploaded_at pulled by the device, the download's headers and scope, the list, the dedup at push.
func TestMeetingFiles(t *testing.T) {
	w := newWorld(t)
	content, sha := photo(250 << 10)
	id := uuid.NewString()
	if res := w.pushFile("off1", w.meetingA.ID, id, content, sha); res.Status != wire.StatusApplied {
		t.Fatalf("push of the row: %+v", res)
	}
	// Not there yet: 404 for everyone, and the list says it is not uploaded.
	if r := w.do(http.MethodGet, "/api/v1/meeting-files/"+id, "sup1", nil); r.status != http.StatusNotFound {
		t.Fatalf("GET before the upload: %d %s", r.status, r.body)
	}
	// Someone else's row: another commune's official cannot upload its bytes.
	if r := w.tusCreate(w.srv, "off2", id, len(content)); r.status != http.StatusNotFound || r.errorCode(t) != "not_found" {
		t.Fatalf("another commune's official: %d %s", r.status, r.body)
	}
	if r := w.tusCreate(w.srv, "", id, len(content)); r.status != http.StatusUnauthorized {
		t.Fatalf("no token: %d", r.status)
	}
	r := w.tusCreate(w.srv, "off1", id, len(content))
	loc := r.header.Get("Location")
	if r.status != http.StatusCreated || loc == "" || r.header.Get("Tus-Resumable") != "1.0.0" {
		t.Fatalf("POST: %d Location %q %s", r.status, loc, r.body)
	}
	if r := w.tusPatch(w.srv, "off1", loc, 0, content[:80<<10]); r.status != http.StatusNoContent || r.header.Get("Upload-Offset") != strconv.Itoa(80<<10) {
		t.Fatalf("PATCH 1: %d %s", r.status, r.body)
	}
	w.tusCut(w.srv, "off1", loc, 80<<10, content[80<<10:], 50<<10)
	w.resume(w.srv, "off1", loc, content, 80<<10, 130<<10)
	w.checkDownload(w.srv, "sup1", id, content, sha)
	w.checkDownload(w.srv, "off1", id, content, sha)
	// Another commune's users get 404 on the file's URL, as on a file that does not exist.
	for _, u := range []string{"off2", "admin2"} {
		if r := w.do(http.MethodGet, "/api/v1/meeting-files/"+id, u, nil); r.status != http.StatusNotFound || r.errorCode(t) != "not_found" {
			t.Fatalf("GET as %s: %d %s", u, r.status, r.body)
		}
		if r := w.do(http.MethodGet, "/api/v1/meetings/"+w.meetingA.ID+"/files", u, nil); r.status != http.StatusNotFound {
			t.Fatalf("list as %s: %d", u, r.status)
		}
	}
	if r := w.do(http.MethodGet, "/api/v1/meeting-files/"+uuid.NewString(), "sup1", nil); r.status != http.StatusNotFound {
		t.Fatalf("unknown file: %d", r.status)
	}
	if r := w.do(http.MethodGet, "/api/v1/meeting-files/"+id, "", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("no token: %d", r.status)
	}

	// The device pulls uploaded_at.
	pr := w.do(http.MethodPost, "/api/v1/sync/pull", "off1", wire.PullRequest{Limit: 5000})
	var pull wire.PullResponse
	pr.json(t, &pull)
	var pulled *store.MeetingFile
	for _, op := range pull.Ops {
		if op.Table == "meeting_files" && op.ID == id {
			pulled = new(store.MeetingFile)
			if err := json.Unmarshal(op.Data, pulled); err != nil {
				t.Fatal(err)
			}
		}
	}
	if pulled == nil || pulled.UploadedAt == nil || pulled.SHA256 != sha {
		t.Fatalf("pulled row %+v: want uploaded_at set", pulled)
	}

	// The same content again, in another row: the push marks it uploaded, no bytes are wanted.
	id2 := uuid.NewString()
	if res := w.pushFile("off1", w.meetingA.ID, id2, content, sha); res.Status != wire.StatusApplied {
		t.Fatalf("push of the second row: %+v", res)
	}
	if r := w.tusCreate(w.srv, "off1", id2, len(content)); r.status != http.StatusConflict {
		t.Fatalf("POST for held content: %d %s", r.status, r.body)
	}
	w.checkDownload(w.srv, "sup1", id2, content, sha)
	var page store.Page[api.MeetingFileView]
	lr := w.do(http.MethodGet, "/api/v1/meetings/"+w.meetingA.ID+"/files?limit=1", "sup1", nil)
	lr.json(t, &page)
	if lr.status != http.StatusOK || len(page.Items) != 1 || page.NextCursor == "" || page.Items[0].UploadedAt == nil ||
		page.Items[0].URL != "/api/v1/meeting-files/"+page.Items[0].ID {
		t.Fatalf("list page 1: %d %s", lr.status, lr.body)
	}
	lr = w.do(http.MethodGet, "/api/v1/meetings/"+w.meetingA.ID+"/files?limit=1&cursor="+page.NextCursor, "sup1", nil)
	first := page.Items[0].ID
	page = store.Page[api.MeetingFileView]{}
	lr.json(t, &page)
	if len(page.Items) != 1 || page.NextCursor != "" || page.Items[0].ID == first {
		t.Fatalf("list page 2: %s", lr.body)
	}
	// A deleted row's bytes are no longer served.
	res := w.do(http.MethodPost, "/api/v1/sync/push", "off1", wire.PushRequest{ClientID: uuid.NewString(), Mutations: []wire.Mutation{{
		Seq: 1, Table: "meeting_files", Op: wire.MutDelete, RowID: id2, BaseVersion: 2}}})
	if res.status != http.StatusOK {
		t.Fatalf("delete: %d %s", res.status, res.body)
	}
	if r := w.do(http.MethodGet, "/api/v1/meeting-files/"+id2, "sup1", nil); r.status != http.StatusNotFound {
		t.Fatalf("GET a deleted row's file: %d", r.status)
	}
}

// TestMeetingFilesRefusals: wrong content (422, discarded), too big (413), wrong length (400), in the caller's
// language.
func TestMeetingFilesRefusals(t *testing.T) {
	w := newWorld(t)
	content, sha := photo(30 << 10)
	id := uuid.NewString()
	if res := w.pushFile("off1", w.meetingA.ID, id, content, sha); res.Status != wire.StatusApplied {
		t.Fatalf("push: %+v", res)
	}
	if r := w.tusCreate(w.srv, "off1", id, 11<<20); r.status != http.StatusRequestEntityTooLarge || r.errorCode(t) != "too_large" {
		t.Fatalf("too big: %d %s", r.status, r.body)
	}
	if r := w.tusCreate(w.srv, "off1", id, len(content)+1); r.status != http.StatusBadRequest {
		t.Fatalf("wrong length: %d %s", r.status, r.body)
	}
	r := w.tusCreate(w.srv, "off1", id, len(content))
	loc := r.header.Get("Location")
	other, _ := photo(len(content))
	r = w.tus(w.srv, http.MethodPatch, loc, "off1", other, "Upload-Offset", "0", "Accept-Language", "en")
	var body api.ErrorBody
	r.json(t, &body)
	if r.status != http.StatusUnprocessableEntity || body.Code != "unprocessable" || body.Field != "sha256" || body.RequestID == "" {
		t.Fatalf("hash mismatch: %d %s", r.status, r.body)
	}
	if st, _ := w.tusOffset(w.srv, "off1", loc); st != http.StatusNotFound {
		t.Fatalf("the refused upload is still there: %d", st)
	}
	if r := w.do(http.MethodGet, "/api/v1/meeting-files/"+id, "off1", nil); r.status != http.StatusNotFound {
		t.Fatalf("GET after a refused upload: %d", r.status)
	}
}

// TestMeetingFilesTwoInstancesS3: two API servers on one database and one S3 bucket (SeaweedFS): an upload begun
// on A and cut continues on B; both serve the file.
func TestMeetingFilesTwoInstancesS3(t *testing.T) {
	w := newWorld(t)
	s3cfg := s3test.Start(t)
	instance := func() *httptest.Server {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		fsvc, err := files.Open(context.Background(), files.Config{S3: s3cfg}, w.db, files.Options{Authorize: engine.CanWriteFiles, RenderError: api.ErrorJSON, Log: log})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(api.New(w.db, w.tokens, log, api.Config{Argon2: cheap, PublicURL: "http://localhost", Files: fsvc}).Handler())
		t.Cleanup(srv.Close)
		return srv
	}
	a, b := instance(), instance()
	content, sha := photo(400 << 10)
	id := uuid.NewString()
	if res := w.pushFile("off1", w.meetingA.ID, id, content, sha); res.Status != wire.StatusApplied {
		t.Fatalf("push: %+v", res)
	}
	r := w.tusCreate(a, "off1", id, len(content))
	loc := r.header.Get("Location")
	if r.status != http.StatusCreated {
		t.Fatalf("POST on A: %d %s", r.status, r.body)
	}
	if r := w.tusPatch(a, "off1", loc, 0, content[:100<<10]); r.status != http.StatusNoContent {
		t.Fatalf("PATCH on A: %d %s", r.status, r.body)
	}
	w.tusCut(a, "off1", loc, 100<<10, content[100<<10:], 100<<10)
	a.Close() // instance A goes away
	off := w.settled(b, "off1", loc)
	if off < 100<<10 || off > 200<<10 {
		t.Fatalf("offset on B: %d", off)
	}
	if r := w.tusPatch(b, "off1", loc, off, content[off:]); r.status != http.StatusNoContent {
		t.Fatalf("PATCH on B: %d %s", r.status, r.body)
	}
	w.checkDownload(b, "sup1", id, content, sha)
	c := instance() // a fresh instance A' serves it too: nothing was kept in B's process
	w.checkDownload(c, "sup1", id, content, sha)
	if r := w.tus(c, http.MethodGet, "/api/v1/meeting-files/"+id, "off2", nil); r.status != http.StatusNotFound {
		t.Fatalf("another commune's official on A': %d", r.status)
	}
}
