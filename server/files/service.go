package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
	"github.com/tus/tusd/v2/pkg/filestore"
	tusd "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	"github.com/tus/tusd/v2/pkg/s3store"
	"github.com/uptrace/bun"
	expslog "golang.org/x/exp/slog"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// UploadsPath is where the tus endpoint is mounted: POST creates an upload, HEAD, PATCH and DELETE act on
// UploadsPath+<upload id>.
const UploadsPath = "/api/v1/uploads/"

// uploadPrefix is where uploads in progress live in a bucket (tusd's s3store: uploads/<id>, .info and .part).
const uploadPrefix = "uploads/"

// Options are what a Service needs besides its Config.
type Options struct {
	// Authorize checks that p may attach files to meeting meetingID, and so send their bytes: the push's rule for
	// meeting_files rows (sync/engine's Engine.CanWriteFiles). Any error refuses the upload as not found.
	Authorize func(ctx context.Context, db bun.IDB, p *domain.Principal, meetingID string) error
	// RenderError writes an error as the API does (status, JSON body in the caller's language); nil: a plain JSON
	// body with the error's code and message key.
	RenderError func(ctx context.Context, h http.Header, err error) (status int, body []byte)
	// Log receives the warnings and errors (nil: slog.Default()).
	Log *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Service receives uploads (tus 1.0.0: creation, termination) into the blob store and serves contents. It keeps
// nothing in the process between requests: with S3, any instance continues an upload another one began.
type Service struct {
	db     *store.DB
	blobs  Blobs
	opt    Options
	log    *slog.Logger
	s3     *minio.Client // nil on the local disk
	bucket string
	dir    string // uploads in progress on the local disk
	core   tusd.DataStore
	term   func(tusd.Upload) tusd.TerminatableUpload
	tus    *tusd.UnroutedHandler
	upload http.Handler
}

// Open prepares the blob store and the upload store of cfg: directories under cfg.DataDir, or the bucket of
// cfg.S3 (checked and created when missing). It fails with what to fix when the configuration is incomplete or the
// object store does not answer.
func Open(ctx context.Context, cfg Config, db *store.DB, opt Options) (*Service, error) {
	if opt.Authorize == nil {
		return nil, errors.New("files: Options.Authorize is required")
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.RenderError == nil {
		opt.RenderError = plainError
	}
	s := &Service{db: db, opt: opt, log: opt.Log}
	composer := tusd.NewStoreComposer()
	if cfg.S3.Enabled() {
		if err := cfg.S3.Check(); err != nil {
			return nil, err
		}
		blobs, err := NewS3Blobs(ctx, cfg.S3)
		if err != nil {
			return nil, err
		}
		s.blobs = blobs
		if s.s3, err = NewS3Client(cfg.S3); err != nil {
			return nil, err
		}
		s.bucket = cfg.S3.Bucket
		ss := s3store.New(cfg.S3.Bucket, newS3API(cfg.S3))
		ss.ObjectPrefix = uploadPrefix
		ss.UseIn(composer)
		s.core, s.term = ss, ss.AsTerminatableUpload
	} else {
		if cfg.DataDir == "" {
			return nil, errors.New("files: no data directory and no S3 store")
		}
		blobs, err := NewDiskBlobs(filepath.Join(cfg.DataDir, "files"))
		if err != nil {
			return nil, err
		}
		s.blobs = blobs
		dir := filepath.Join(cfg.DataDir, "uploads")
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("files: %w", err)
		}
		s.dir = dir
		fs := filestore.New(dir)
		fs.UseIn(composer)
		s.core, s.term = fs, fs.AsTerminatableUpload
	}
	// The lock only orders requests on one upload within this instance (a retry that overtakes a request still
	// running); it holds nothing another instance needs.
	memorylocker.New().UseIn(composer)
	h, err := tusd.NewUnroutedHandler(tusd.Config{
		StoreComposer:        composer,
		BasePath:             UploadsPath,
		DisableDownload:      true,
		DisableConcatenation: true,
		Cors:                 &tusd.CorsConfig{Disable: true},
		// tusd logs each request, and each interrupted upload as an error: only its internal errors are passed on.
		Logger:                    expslog.New(tusdLog{opt.Log}),
		PreUploadCreateCallback:   s.preCreate,
		PreFinishResponseCallback: s.preFinish,
		PreUploadTerminateCallback: func(tusd.HookEvent) (tusd.HTTPResponse, error) {
			return tusd.HTTPResponse{}, nil
		},
	})
	if err != nil {
		return nil, fmt.Errorf("files: tus: %w", err)
	}
	s.tus = h
	mw := h.Middleware(http.HandlerFunc(s.dispatch))
	s.upload = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := newTusWriter(w, r)
		defer tw.end()
		mw.ServeHTTP(tw, r)
	})
	return s, nil
}

// Blobs returns the blob store.
func (s *Service) Blobs() Blobs { return s.blobs }

// UploadHandler is the tus endpoint: POST UploadsPath, HEAD/PATCH/DELETE UploadsPath+id. The caller must be
// authenticated already: the principal is read from the request's context (domain.PrincipalFrom).
func (s *Service) UploadHandler() http.Handler { return s.upload }

// newS3API is the S3 client tusd's s3store drives (AWS SDK v2), path-style for S3-compatible stores.
func newS3API(c S3Config) *s3.Client {
	region := c.Region
	if region == "" {
		region = DefaultRegion
	}
	scheme := "https://"
	if !c.TLS {
		scheme = "http://"
	}
	return s3.New(s3.Options{
		Region:                     region,
		BaseEndpoint:               aws.String(scheme + c.Endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// dispatch checks the caller may act on the upload a HEAD, PATCH or DELETE names (the same rule as for creating
// it), then hands the request to tusd.
func (s *Service) dispatch(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if domain.PrincipalFrom(ctx) == nil {
		s.writeError(w, r, domain.Unauthorized("auth.required"))
		return
	}
	if r.Method == http.MethodPost {
		if strings.TrimSuffix(r.URL.Path, "/")+"/" != UploadsPath {
			s.writeError(w, r, domain.E(domain.CodeBadMethod, "error.method_not_allowed"))
			return
		}
		s.tus.PostFile(w, r)
		return
	}
	id := strings.Trim(strings.TrimPrefix(r.URL.Path, UploadsPath), "/")
	if id == "" || !strings.HasPrefix(r.URL.Path, UploadsPath) {
		s.writeError(w, r, domain.E(domain.CodeBadMethod, "error.method_not_allowed"))
		return
	}
	if strings.ContainsAny(id, "/\\\x00") || strings.Contains(id, "..") { // never a path for the upload store: "../x" is nobody's upload
		s.writeError(w, r, domain.NotFound("@what.meeting_file"))
		return
	}
	// tusd's unrouted handler reads the upload's id as the whole path.
	r.URL.Path, r.URL.RawPath = id, ""
	up, info, row, err := s.ownUpload(ctx, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if up == nil && r.Method != http.MethodPatch { // unknown, finished or refused: gone (a PATCH gets tusd's own 404)
		s.writeError(w, r, domain.NotFound("@what.meeting_file"))
		return
	}
	switch r.Method {
	case http.MethodHead:
		if up != nil && !info.SizeIsDeferred && info.Offset == info.Size || row != nil && row.UploadedAt != nil {
			// Every byte is here: finish it (again, if a previous finish failed or its answer was lost) and say so.
			if up != nil {
				if err := s.finish(ctx, up, info); err != nil {
					s.writeError(w, r, err)
					return
				}
			}
			h := w.Header()
			h.Set("Upload-Offset", strconv.FormatInt(row.Size, 10))
			h.Set("Upload-Length", strconv.FormatInt(row.Size, 10))
			h.Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
			return
		}
		s.tus.HeadFile(w, r)
	case http.MethodPatch:
		if row != nil && row.UploadedAt != nil {
			if up != nil {
				_ = s.term(up).Terminate(ctx)
			}
			s.writeError(w, r, alreadyUploaded())
			return
		}
		s.tus.PatchFile(w, r)
	case http.MethodDelete:
		s.tus.DelFile(w, r)
	default:
		s.writeError(w, r, domain.E(domain.CodeBadMethod, "error.method_not_allowed"))
	}
}

// ownUpload loads upload id and its file row and checks the caller may write that file. An unknown upload is
// left to tusd (up and row nil: it answers 404 as the protocol says).
func (s *Service) ownUpload(ctx context.Context, id string) (tusd.Upload, tusd.FileInfo, *store.MeetingFile, error) {
	up, err := s.core.GetUpload(ctx, id)
	if err != nil {
		if errors.Is(err, tusd.ErrNotFound) {
			return nil, tusd.FileInfo{}, nil, nil
		}
		return nil, tusd.FileInfo{}, nil, domain.Internal(err)
	}
	info, err := up.GetInfo(ctx)
	if err != nil {
		if errors.Is(err, tusd.ErrNotFound) {
			return nil, tusd.FileInfo{}, nil, nil
		}
		return nil, info, nil, domain.Internal(err)
	}
	row, err := s.writableRow(ctx, info.MetaData["file_id"])
	if err != nil {
		return nil, info, nil, err
	}
	return up, info, row, nil
}

// writableRow returns the live file row id if the caller may write it (else not found).
func (s *Service) writableRow(ctx context.Context, id string) (*store.MeetingFile, error) {
	fid, ok := domain.ParseID(id)
	if !ok {
		if id == "" {
			return nil, domain.Invalid("file_id", "file.no_file_id")
		}
		return nil, domain.NotFound("@what.meeting_file")
	}
	row, err := store.GetMeetingFile(ctx, s.db.R, fid)
	if err != nil {
		return nil, err
	}
	if err := s.opt.Authorize(ctx, s.db.R, domain.PrincipalFrom(ctx), row.MeetingID); err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			return nil, err
		}
		return nil, domain.NotFound("@what.meeting_file")
	}
	return row, nil
}

func alreadyUploaded() error {
	e := domain.E(domain.CodeConflict, "file.already_uploaded")
	e.Field = "uploaded_at"
	return e
}

// preCreate admits a new upload: its row exists, is live and the caller's to write, its length is the row's size
// (within domain.MaxFileBytes), and the server does not hold the content yet.
func (s *Service) preCreate(hook tusd.HookEvent) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
	ctx, info := hook.Context, hook.Upload
	fail := func(err error) (tusd.HTTPResponse, tusd.FileInfoChanges, error) {
		return tusd.HTTPResponse{}, tusd.FileInfoChanges{}, s.tusError(ctx, hook.HTTPRequest.Header, err)
	}
	if info.SizeIsDeferred {
		return fail(domain.Invalid("Upload-Length", "file.length_required"))
	}
	if info.Size > domain.MaxFileBytes {
		return fail(domain.E(domain.CodeTooLarge, "file.too_big", "max", "10 MB"))
	}
	row, err := s.writableRow(ctx, info.MetaData["file_id"])
	if err != nil {
		return fail(err)
	}
	if info.Size != row.Size {
		e := domain.Invalid("Upload-Length", "file.size_mismatch", "got", strconv.FormatInt(info.Size, 10), "want", strconv.FormatInt(row.Size, 10))
		return fail(e)
	}
	if row.UploadedAt != nil {
		return fail(alreadyUploaded())
	}
	blob, err := store.GetFileBlob(ctx, s.db.R, row.SHA256)
	if err != nil {
		return fail(err)
	}
	if blob != nil { // held already (the row was pushed before the content arrived by another upload)
		if err := s.markUploaded(ctx, blob); err != nil {
			return fail(err)
		}
		return fail(alreadyUploaded())
	}
	meta := tusd.MetaData{"file_id": row.ID, "filename": info.MetaData["filename"], "filetype": row.Mime}
	return tusd.HTTPResponse{}, tusd.FileInfoChanges{MetaData: meta}, nil
}

// preFinish runs when the last byte of an upload arrived.
func (s *Service) preFinish(hook tusd.HookEvent) (tusd.HTTPResponse, error) {
	ctx := hook.Context
	up, err := s.core.GetUpload(ctx, hook.Upload.ID)
	if err == nil {
		err = s.finish(ctx, up, hook.Upload)
	}
	if err != nil {
		return tusd.HTTPResponse{}, s.tusError(ctx, hook.HTTPRequest.Header, err)
	}
	return tusd.HTTPResponse{}, nil
}

// finish checks a complete upload against its row (size, SHA-256, type), keeps the content in the blob store,
// marks every live row of that content uploaded (one write transaction, through the change log) and deletes the
// upload. A content that does not match its row is deleted too: the device must send it again. finish may run
// twice for one upload (a HEAD after a lost answer): the second run finds the row marked and only cleans up.
func (s *Service) finish(ctx context.Context, up tusd.Upload, info tusd.FileInfo) error {
	discard := func(err error) error {
		if terr := s.term(up).Terminate(ctx); terr != nil && !errors.Is(terr, tusd.ErrNotFound) {
			s.log.WarnContext(ctx, "files: cannot delete an upload", "upload", info.ID, "err", terr)
		}
		return err
	}
	fid, _ := domain.ParseID(info.MetaData["file_id"])
	row, err := store.GetMeetingFile(ctx, s.db.R, fid)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return discard(err) // the row was deleted meanwhile: nothing wants these bytes
	}
	if err != nil {
		return err
	}
	if row.UploadedAt != nil {
		return discard(nil)
	}
	r, err := up.GetReader(ctx)
	if err != nil {
		// On S3 tusd closes the upload (completes the multipart upload) before our callback: a last PATCH cut
		// between its last part and that close leaves every byte stored but nothing to read. Close it here.
		if ferr := up.FinishUpload(ctx); ferr != nil {
			return domain.Internal(err)
		}
		if r, err = up.GetReader(ctx); err != nil {
			return domain.Internal(err)
		}
	}
	defer r.Close()
	tmp, err := os.CreateTemp("", "chibo-upload-")
	if err != nil {
		return domain.Internal(err)
	}
	defer func() { tmp.Close(); os.Remove(tmp.Name()) }()
	h := sha256.New()
	var head headBuf
	n, err := io.Copy(io.MultiWriter(tmp, h, &head), r)
	if err != nil {
		return domain.Internal(err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if n != row.Size || sum != row.SHA256 {
		s.log.WarnContext(ctx, "files: upload refused: its bytes differ from its row", "file_id", row.ID,
			"size", n, "want_size", row.Size, "sha256", sum, "want_sha256", row.SHA256)
		e := domain.E(domain.CodeUnprocessable, "file.hash_mismatch")
		e.Field = "sha256"
		return discard(e)
	}
	if got := sniff(head.b); got != row.Mime {
		s.log.WarnContext(ctx, "files: upload refused: its type differs from its row", "file_id", row.ID, "type", got, "want", row.Mime)
		e := domain.E(domain.CodeUnprocessable, "file.type_mismatch", "want", row.Mime)
		e.Field = "mime"
		return discard(e)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return domain.Internal(err)
	}
	if err := s.blobs.Put(ctx, sum, n, row.Mime, tmp); err != nil {
		s.log.ErrorContext(ctx, "files: cannot keep a content", "where", s.blobs.Where(), "sha256", sum, "err", err)
		return domain.E(domain.CodeInternal, "file.storage")
	}
	if err := s.markUploaded(ctx, &store.FileBlob{SHA256: sum, Size: n, Mime: row.Mime}); err != nil {
		return err
	}
	return discard(nil)
}

// markUploaded records content b and marks its live rows uploaded, in one write transaction.
func (s *Service) markUploaded(ctx context.Context, b *store.FileBlob) error {
	now := s.opt.Now().UTC()
	return s.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := store.MarkUploaded(ctx, tx, b, now)
		return err
	})
}

// sniff returns the media type the first bytes of a content show (http.DetectContentType), without parameters.
func sniff(head []byte) string {
	t, _, _ := strings.Cut(http.DetectContentType(head), ";")
	return strings.TrimSpace(t)
}

// headBuf keeps the first 512 bytes written to it (what content sniffing reads).
type headBuf struct{ b []byte }

func (h *headBuf) Write(p []byte) (int, error) {
	if room := 512 - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// tusError turns err into the error tusd answers with: the API's JSON error.
func (s *Service) tusError(ctx context.Context, h http.Header, err error) error {
	if e, ok := err.(tusd.Error); ok {
		return e
	}
	status, body := s.render(ctx, h, err)
	var de *domain.Error
	code := "internal"
	if errors.As(err, &de) {
		code = string(de.Code)
	}
	return tusd.Error{ErrorCode: code, Message: err.Error(), HTTPResponse: tusd.HTTPResponse{StatusCode: status, Body: string(body),
		Header: tusd.HTTPHeader{"Content-Type": "application/json; charset=UTF-8"}}}
}

func (s *Service) render(ctx context.Context, h http.Header, err error) (int, []byte) {
	if domain.ErrorCode(err) == domain.CodeInternal {
		s.log.ErrorContext(ctx, "files: upload failed", "request_id", domain.RequestIDFrom(ctx), "err", err)
	}
	return s.opt.RenderError(ctx, h, err)
}

// writeError answers r with err as the API does.
func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, body := s.render(r.Context(), r.Header, err)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// plainError is the error body when no renderer is given: the code and the message key.
func plainError(_ context.Context, _ http.Header, err error) (int, []byte) {
	var e *domain.Error
	if !errors.As(err, &e) {
		e = domain.Internal(err)
	}
	status := map[domain.Code]int{domain.CodeInvalid: 400, domain.CodeNotFound: 404, domain.CodeConflict: 409,
		domain.CodeUnauthorized: 401, domain.CodeTooLarge: 413, domain.CodeUnprocessable: 422, domain.CodeBadMethod: 405}[e.Code]
	if status == 0 {
		status = 500
	}
	b, _ := json.Marshal(map[string]string{"code": string(e.Code), "message": e.Key, "field": e.Field})
	return status, b
}

// tusWriter is the writer tusd answers through. It turns the absolute Location tusd gives a new upload into a
// path, so that the address is right behind any proxy (tus clients resolve it against the endpoint).
//
// And it keeps tusd off the connection's read deadline once the request's body has all arrived. tusd stops an
// upload that another request wants the lock of (a phone's retry overtaking its own PATCH, still arriving) by
// setting the read deadline to now, from a goroutine. If that PATCH's body was already complete, net/http is by
// then reading ahead on the connection for the next request; the deadline makes that read fail, net/http takes it
// for a client that went away and cancels the connection's context, and the next request on the kept-alive
// connection (a download right after an upload) starts canceled and is answered 499. Past the body the deadline
// has nothing left to interrupt, so it is dropped; so is any deadline after tusd's request has ended.
type tusWriter struct {
	http.ResponseWriter
	mu       sync.Mutex
	received bool // the request's body has all been read
	done     bool // tusd's request has ended
}

// newTusWriter wraps w for tusd's request r, and r's body so that the writer learns when it has all been read.
func newTusWriter(w http.ResponseWriter, r *http.Request) *tusWriter {
	tw := &tusWriter{ResponseWriter: w}
	if r.Body == nil || r.Body == http.NoBody {
		tw.received = true
	} else {
		r.Body = &tusBody{ReadCloser: r.Body, w: tw}
	}
	return tw
}

// tusBody tells its tusWriter when the request's body has all been read.
type tusBody struct {
	io.ReadCloser
	w *tusWriter
}

func (b *tusBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.w.mu.Lock()
		b.w.received = true
		b.w.mu.Unlock()
	}
	return n, err
}

func (w *tusWriter) WriteHeader(code int) {
	if loc := w.Header().Get("Location"); loc != "" {
		if i := strings.Index(loc, UploadsPath); i > 0 {
			w.Header().Set("Location", loc[i:])
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

// SetReadDeadline sets the connection's read deadline while the body is being read, and does nothing after.
func (w *tusWriter) SetReadDeadline(t time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done || w.received {
		return nil
	}
	return http.NewResponseController(w.ResponseWriter).SetReadDeadline(t)
}

// SetWriteDeadline sets the connection's write deadline while tusd's request runs, and does nothing after.
func (w *tusWriter) SetWriteDeadline(t time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return nil
	}
	return http.NewResponseController(w.ResponseWriter).SetWriteDeadline(t)
}

// end marks tusd's request over: a deadline set from now on would land on the connection's next request.
func (w *tusWriter) end() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}

// Unwrap lets http.ResponseController reach the server's writer (Flush).
func (w *tusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// tusdLog passes tusd's internal errors on to the service's log and drops its other lines (one per request, and
// an error for every upload a lost signal interrupts, which is normal on 3G).
type tusdLog struct{ log *slog.Logger }

func (h tusdLog) Enabled(context.Context, expslog.Level) bool { return true }

func (h tusdLog) Handle(ctx context.Context, r expslog.Record) error {
	if r.Message != "InternalServerError" {
		return nil
	}
	var args []any
	r.Attrs(func(a expslog.Attr) bool {
		args = append(args, a.Key, a.Value.String())
		return true
	})
	h.log.ErrorContext(ctx, "files: tusd internal error", args...)
	return nil
}

func (h tusdLog) WithAttrs([]expslog.Attr) expslog.Handler { return h }
func (h tusdLog) WithGroup(string) expslog.Handler         { return h }

// StaleUploads is how long an upload nobody continues is kept before Prune deletes it.
const StaleUploads = 7 * 24 * time.Hour

// Prune deletes the uploads in progress that nothing touched for olderThan (a device that gave up, a row deleted
// before its bytes came): on the local disk their files under uploads/, in S3 their objects under uploads/ and
// their unfinished multipart uploads. Contents (files/) are never touched. Several instances may prune at once.
// It returns how many uploads it deleted.
func (s *Service) Prune(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := s.opt.Now().Add(-olderThan)
	if s.s3 == nil {
		return pruneDir(s.dir, cutoff)
	}
	// An upload is uploads/<id>, <id>.info and <id>.part: stale when none of them changed since the cutoff.
	newest := map[string]time.Time{}
	keys := map[string][]string{}
	for o := range s.s3.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: uploadPrefix, Recursive: true}) {
		if o.Err != nil {
			return 0, o.Err
		}
		id := strings.TrimSuffix(strings.TrimSuffix(o.Key, ".info"), ".part")
		keys[id] = append(keys[id], o.Key)
		if o.LastModified.After(newest[id]) {
			newest[id] = o.LastModified
		}
	}
	n := 0
	for id, ks := range keys {
		if !newest[id].Before(cutoff) {
			continue
		}
		for _, k := range ks {
			if err := s.s3.RemoveObject(ctx, s.bucket, k, minio.RemoveObjectOptions{}); err != nil {
				return n, err
			}
		}
		n++
	}
	for u := range s.s3.ListIncompleteUploads(ctx, s.bucket, uploadPrefix, true) {
		if u.Err != nil {
			return n, u.Err
		}
		if t, ok := newest[u.Key]; (ok && t.Before(cutoff) || !ok) && u.Initiated.Before(cutoff) {
			if err := s.s3.RemoveIncompleteUpload(ctx, s.bucket, u.Key); err != nil {
				return n, err
			}
			if !ok {
				n++
			}
		}
	}
	return n, nil
}

// pruneDir deletes the uploads of dir (tusd's filestore: <id>, <id>.info, <id>.lock) none of whose files changed
// since cutoff.
func pruneDir(dir string, cutoff time.Time) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	newest := map[string]time.Time{}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		id := strings.TrimSuffix(strings.TrimSuffix(e.Name(), ".info"), ".lock")
		if fi.ModTime().After(newest[id]) {
			newest[id] = fi.ModTime()
		}
	}
	n := 0
	for id, t := range newest {
		if !t.Before(cutoff) {
			continue
		}
		for _, name := range []string{id, id + ".info", id + ".lock"} {
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return n, err
			}
		}
		n++
	}
	return n, nil
}

// RunPruner prunes stale uploads (StaleUploads) at once and then every hour until ctx ends.
func (s *Service) RunPruner(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := s.Prune(ctx, StaleUploads); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "files: pruning stale uploads", "err", err)
		} else if n > 0 {
			s.log.InfoContext(ctx, "files: stale uploads deleted", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
