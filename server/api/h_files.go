package api

// Meetings' photos (issue #13): the tus endpoint (server/files does the work) and the downloads, scope-checked on
// every request.

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/store"
)

// MeetingFileView is a meeting's file row with the address of its bytes.
type MeetingFileView struct {
	store.MeetingFile
	// URL is where the bytes are (GET, with the bearer token); 404 until uploaded_at is set.
	URL string `json:"url"`
}

// upload hands a tus request to the file service; authentication has run.
func (s *Server) upload(c echo.Context) error {
	if s.cfg.Files == nil {
		return domain.Internalf("files: no file service configured")
	}
	s.cfg.Files.UploadHandler().ServeHTTP(c.Response(), c.Request())
	return nil
}

// fileCacheControl lets the browser keep a file's bytes for good: a content never changes under its id.
const fileCacheControl = "private, max-age=31536000, immutable"

// getMeetingFile sends the bytes of a file of a meeting the caller reads.
func (s *Server) getMeetingFile(c echo.Context) error {
	id, err := idParam(c, "id", "@what.meeting_file")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f, err := store.GetMeetingFile(ctx, s.db.R, id)
	if err != nil {
		return err
	}
	if _, err := s.readableMeetingID(c, f.MeetingID); err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return domain.NotFound("@what.meeting_file")
		}
		return err
	}
	if f.UploadedAt == nil {
		return domain.E(domain.CodeNotFound, "file.not_uploaded")
	}
	if s.cfg.Files == nil {
		return domain.Internalf("files: no file service configured")
	}
	b, err := s.cfg.Files.Blobs().Open(ctx, f.SHA256)
	if err != nil {
		return err
	}
	defer b.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, f.Mime)
	h.Set("Cache-Control", fileCacheControl)
	h.Set("ETag", `"`+f.SHA256+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", "inline")
	http.ServeContent(c.Response(), c.Request(), "", *f.UploadedAt, b)
	return nil
}

// listMeetingFiles lists the live file rows of a meeting the caller reads.
func (s *Server) listMeetingFiles(c echo.Context) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	m, err := s.readableMeeting(c)
	if err != nil {
		return err
	}
	rows, err := store.MeetingFiles(c.Request().Context(), s.db.R, m.ID)
	if err != nil {
		return err
	}
	out := make([]MeetingFileView, len(rows))
	for i, f := range rows {
		out[i] = MeetingFileView{MeetingFile: f, URL: "/api/v1/meeting-files/" + f.ID}
	}
	return sendSlice(c, out, pr)
}

// ErrorJSON renders err as the API's error response (status and JSON body), in the language of the caller in
// ctx or of the request's Accept-Language: the file service answers its refusals with it.
func ErrorJSON(ctx context.Context, h http.Header, err error) (int, []byte) {
	e := domainError(err)
	status := statusOf[e.Code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	l := i18n.Parse(h.Get("Accept-Language"))
	if p := domain.PrincipalFrom(ctx); p != nil && p.Locale != "" {
		l = i18n.Parse(p.Locale)
	}
	b, _ := json.Marshal(ErrorBody{Code: e.Code, Message: i18n.T(l, e.Key, e.Args), Field: e.Field, RequestID: domain.RequestIDFrom(ctx)})
	return status, b
}
