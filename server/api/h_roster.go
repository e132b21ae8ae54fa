package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/roster"
	"github.com/chibo-vn/chibo/server/store"
)

// ImportResult is the answer to a roster import: what the file would do (preview) or did (commit).
type ImportResult struct {
	Mode string `json:"mode"`
	// Lang is the caller's language (Accept-Language, the user's locale or ?lang=): the client shows each message's
	// message_vi or message_en accordingly.
	Lang      string         `json:"lang"`
	Committed bool           `json:"committed"`
	Plan      *roster.Plan   `json:"plan"`
	Result    *roster.Result `json:"result,omitempty"`
}

// importRoster previews or commits a roster file. A preview reports every bad row; a commit imports the whole
// file in one transaction or, if any row is bad, nothing (answering 400 with the plan as details).
func (s *Server) importRoster(c echo.Context) error {
	up, done, err := readUpload(c, s.db, rosterRoles...)
	if err != nil {
		return err
	}
	defer done()
	p := principal(c)
	ctx := c.Request().Context()
	unit, mode := up.Unit, up.Mode
	file, err := roster.Parse(up.File, up.Name)
	if err != nil {
		return err
	}
	out := ImportResult{Mode: mode, Lang: string(lang(c))}
	// A member found by card number in another cell of the province moves here only if the caller may write
	// that cell too.
	opts := roster.Options{CanMove: func(path string) bool { return p.Can(path, rosterRoles...) }}
	if mode == "preview" {
		if out.Plan, err = roster.PlanImportWith(ctx, s.db.R, unit, file, opts); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := roster.LockProvince(ctx, tx, unit); err != nil {
			return err
		}
		plan, err := roster.PlanImportWith(ctx, tx, unit, file, opts)
		if err != nil {
			return err
		}
		out.Plan = plan
		res, err := plan.Apply(ctx, tx)
		if err != nil {
			return err
		}
		out.Result, out.Committed = &res, true
		return nil
	})
	if err != nil {
		if out.Plan != nil && domain.ErrorCode(err) == domain.CodeInvalid {
			return &detailedError{err: domain.AsError(err), details: out.Plan}
		}
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// exportRoster downloads the members of a unit's subtree as XLSX (default) or CSV.
func (s *Server) exportRoster(c echo.Context) error {
	id, err := queryID(c, "org_unit_id")
	if err != nil {
		return err
	}
	if id == "" {
		return domain.Invalid("org_unit_id", "error.required", "field", "org_unit_id")
	}
	format := c.QueryParam("format")
	if format == "" {
		format = "xlsx"
	}
	if format != "xlsx" && format != "csv" {
		return domain.Invalid("format", "error.bad_value", "field", "format")
	}
	unit, err := s.readableUnit(c, s.db.R, id)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	now := store.Now()
	var body []byte
	ctype := "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	if format == "csv" {
		body, err = roster.ExportCSV(ctx, s.db.R, unit, lang(c), now)
		ctype = "text/csv; charset=utf-8"
	} else {
		body, err = roster.ExportXLSX(ctx, s.db.R, unit, lang(c), now)
	}
	if err != nil {
		return err
	}
	name := fmt.Sprintf("danh-sach-dang-vien-%s-%s.%s", domain.Slug(unit.Name), domain.DateOf(now).String(), format)
	attachment(c, name)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, ctype, body)
}

// rosterTemplate downloads an empty roster workbook with the accepted columns, values and a sample row.
func (s *Server) rosterTemplate(c echo.Context) error {
	body, err := roster.Template(lang(c))
	if err != nil {
		return err
	}
	const name = "mau-danh-sach-dang-vien.xlsx"
	attachment(c, name)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body)
}
