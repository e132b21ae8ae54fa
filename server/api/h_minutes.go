package api

import (
	"bytes"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/minutes"
	"github.com/chibo-vn/chibo/server/store"
)

// docxType is the media type of a Word document.
const docxType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// meetingMinutesDOCX sends the minutes (biên bản) of a meeting the caller reads as a DOCX for the archive.
func (s *Server) meetingMinutesDOCX(c echo.Context) error {
	m, err := s.readableMeeting(c)
	if err != nil {
		return err
	}
	mins, err := store.MinutesOf(c.Request().Context(), s.db.R, m.ID)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := minutes.WriteDOCX(&buf, mins, lang(c)); err != nil {
		return domain.Internal(err)
	}
	name := minutes.FileName(mins, lang(c))
	attachment(c, name)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, docxType, buf.Bytes())
}
