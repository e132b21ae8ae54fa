package api

import (
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// upload is a file import's form, the one shape every import takes (rosters, users, ratings): multipart `file`,
// `org_unit_id` (the unit the file is for) and `mode` (preview, the default, or commit).
type upload struct {
	// Commit is true for mode=commit: import all or nothing; false for a preview.
	Commit bool
	// Mode is "preview" or "commit", as the answer repeats it.
	Mode string
	// Unit is the unit the file is for; the caller holds one of the roles readUpload was given over it.
	Unit *store.OrgUnit
	// File is the uploaded file, Name its name as the client gave it.
	File multipart.File
	Name string
}

// readUpload reads and checks a file import's form: the size (fileBodyLimit), the mode, the unit, the file, and
// that the caller holds one of roles over the unit (an import is a write: 403 whether or not the caller can see
// the unit). Its other fields are read with c.FormValue. The caller calls close when done with the file.
func readUpload(c echo.Context, db *store.DB, roles ...domain.Role) (up *upload, close func(), err error) {
	req := c.Request()
	req.Body = http.MaxBytesReader(c.Response(), req.Body, fileBodyLimit)
	if err := req.ParseMultipartForm(8 << 20); err != nil {
		if strings.Contains(err.Error(), "too large") {
			return nil, nil, domain.E(domain.CodeTooLarge, "error.too_large", "limit", sizeText(fileBodyLimit))
		}
		return nil, nil, domain.Invalid("file", "error.required", "field", "file")
	}
	form := req.MultipartForm
	done := func() { form.RemoveAll() } //nolint:errcheck
	fail := func(err error) (*upload, func(), error) {
		done()
		return nil, nil, err
	}
	mode := c.FormValue("mode")
	if mode == "" {
		mode = "preview"
	}
	if mode != "preview" && mode != "commit" {
		return fail(domain.Invalid("mode", "error.bad_value", "field", "mode"))
	}
	unitID, ok := domain.ParseID(c.FormValue("org_unit_id"))
	if !ok {
		return fail(domain.Invalid("org_unit_id", "error.bad_id"))
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return fail(domain.Invalid("file", "error.required", "field", "file"))
	}
	unit, err := store.GetOrgUnit(req.Context(), db.R, unitID)
	if err != nil {
		return fail(err)
	}
	if !principal(c).Can(unit.Path, roles...) {
		return fail(domain.Forbidden())
	}
	f, err := fh.Open()
	if err != nil {
		return fail(domain.Internal(err))
	}
	return &upload{Commit: mode == "commit", Mode: mode, Unit: unit, File: f, Name: fh.Filename},
		func() { f.Close(); done() }, nil
}
