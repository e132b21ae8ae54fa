package api

// The reference data's administration (recommendation fields, rubric versions, minutes template versions, rating
// labels, with their validity dates) and the annual ratings of cells (issue #11). Reads: any caller who reads the
// unit. Writes: an administrator of the province (reference data) or of the cell's subtree (ratings); every write is
// audited and goes through the change log, so devices receive it.

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/rating"
	"github.com/chibo-vn/chibo/server/store"
)

// RatingInput sets a cell's rating of a year.
type RatingInput struct {
	LabelID string `json:"label_id"`
}

// RatingResult is the answer to a rating set: what happened (create, update, unchanged) and the rating.
type RatingResult struct {
	Outcome string            `json:"outcome"`
	Rating  *store.CellRating `json:"rating"`
}

// RatingImportResult is the answer to a ratings import: the plan (every row's outcome) and, on commit, the counts
// written.
type RatingImportResult struct {
	Mode      string         `json:"mode"`
	Committed bool           `json:"committed"`
	Plan      *rating.Plan   `json:"plan"`
	Written   map[string]int `json:"written,omitempty"`
}

// refProvince reads the province of the org_unit_id query parameter for a reference data change: the caller must be
// an administrator of the whole province.
func refProvince(ctx context.Context, c echo.Context, db bun.IDB) (*store.OrgUnit, error) {
	id, err := queryID(c, "org_unit_id")
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, domain.Invalid("org_unit_id", "error.required", "field", "org_unit_id")
	}
	u, err := store.GetOrgUnit(ctx, db, id)
	if err != nil {
		return nil, err
	}
	prov, err := store.GetOrgUnit(ctx, db, store.ProvinceOf(u))
	if err != nil {
		return nil, err
	}
	if !principal(c).Can(prov.Path, domain.RoleAdmin) {
		return nil, domain.E(domain.CodeForbidden, "ref.province_role")
	}
	return prov, nil
}

// vnToday is today in Asia/Ho_Chi_Minh.
func vnToday() domain.Date { return domain.DateOf(time.Now()) }

func (s *Server) getReferenceAdmin(c echo.Context) error {
	id, err := queryID(c, "org_unit_id")
	if err != nil {
		return err
	}
	if id == "" {
		return domain.Invalid("org_unit_id", "error.required", "field", "org_unit_id")
	}
	u, err := s.readableUnit(c, s.db.R, id)
	if err != nil {
		return err
	}
	ref, err := store.ReferenceOf(c.Request().Context(), s.db.R, store.ProvinceOf(u), vnToday())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ref)
}

// refWrite decodes the body into in and runs fn in a write transaction on the caller's province.
func refWrite[T any](s *Server, c echo.Context, in *T, fn func(ctx context.Context, tx bun.Tx, prov *store.OrgUnit) error) error {
	if in != nil {
		if err := decode(c, in); err != nil {
			return err
		}
	}
	return s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		prov, err := refProvince(ctx, c, tx)
		if err != nil {
			return err
		}
		return fn(ctx, tx, prov)
	})
}

func (s *Server) createField(c echo.Context) error {
	var in store.FieldInput
	var out *store.RecommendationField
	err := refWrite(s, c, &in, func(ctx context.Context, tx bun.Tx, prov *store.OrgUnit) (err error) {
		out, err = store.CreateField(ctx, tx, prov, in, vnToday())
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) updateField(c echo.Context) error {
	id, err := idParam(c, "id", "@what.field")
	if err != nil {
		return err
	}
	var in store.FieldInput
	var out *store.RecommendationField
	err = refWrite(s, c, &in, func(ctx context.Context, tx bun.Tx, prov *store.OrgUnit) (err error) {
		out, err = store.UpdateField(ctx, tx, prov, id, in, vnToday())
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) createRubric(c echo.Context) error {
	var in store.RubricInput
	var out *store.Rubric
	err := refWrite(s, c, &in, func(ctx context.Context, tx bun.Tx, prov *store.OrgUnit) (err error) {
		out, err = store.CreateRubric(ctx, tx, prov, in, vnToday())
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) updateRubric(c echo.Context) error {
	id, err := idParam(c, "id", "@what.rubric")
	if err != nil {
		return err
	}
	var in store.RubricInput
	var out *store.Rubric
	err = refWrite(s, c, &in, func(ctx context.Context, tx bun.Tx, prov *store.OrgUnit) (err error) {
		out, err = store.UpdateRubric(ctx, tx, prov, id, in, vnToday())
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) deleteRubric(c echo.Context) error {
	id, err := idParam(c, "id", "@what.rubric")
	if err != nil {
		return err
	}
	err = refWrite[struct{}](s, c, nil, func(ctx context.Context, tx bun.Tx, prov *store.OrgUnit) error {
		return store.DeleteRubric(ctx, tx, prov, id, vnToday())
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) createMinutesTemplate(c echo.Context) error {
	var in store.TemplateInput
	var out *store.MinutesTemplate
	err := refWrite(s, c, &in, func(ctx context.Context, tx bun.Tx, prov *store.OrgUnit) (err error) {
		out, err = store.CreateMinutesTemplate(ctx, tx, prov, in, vnToday())
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) deleteMinutesTemplate(c echo.Context) error {
	id, err := idParam(c, "id", "@what.minutes_template")
	if err != nil {
		return err
	}
	err = refWrite[struct{}](s, c, nil, func(ctx context.Context, tx bun.Tx, prov *store.OrgUnit) error {
		return store.DeleteMinutesTemplate(ctx, tx, prov, id, vnToday())
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) createRatingLabel(c echo.Context) error {
	var in store.LabelInput
	var out *store.RatingLabel
	err := refWrite(s, c, &in, func(ctx context.Context, tx bun.Tx, prov *store.OrgUnit) (err error) {
		out, err = store.CreateLabel(ctx, tx, prov, in, vnToday())
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) updateRatingLabel(c echo.Context) error {
	id, err := idParam(c, "id", "@what.rating_label")
	if err != nil {
		return err
	}
	var in store.LabelInput
	var out *store.RatingLabel
	err = refWrite(s, c, &in, func(ctx context.Context, tx bun.Tx, prov *store.OrgUnit) (err error) {
		out, err = store.UpdateLabel(ctx, tx, prov, id, in, vnToday())
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// ratingYear reads a year from a path parameter or query value (default: last year).
func ratingYear(v string) (int, error) {
	if v == "" {
		return vnToday().Year() - 1, nil
	}
	y, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, domain.Invalid("year", "error.bad_value", "field", "year")
	}
	return y, nil
}

// ratingUnit reads the org_unit_id query parameter, a unit the caller reads.
func (s *Server) ratingUnit(c echo.Context) (*store.OrgUnit, error) {
	id, err := queryID(c, "org_unit_id")
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, domain.Invalid("org_unit_id", "error.required", "field", "org_unit_id")
	}
	return s.readableUnit(c, s.db.R, id)
}

func (s *Server) listRatings(c echo.Context) error {
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	unit, err := s.ratingUnit(c)
	if err != nil {
		return err
	}
	year, err := ratingYear(c.QueryParam("year"))
	if err != nil {
		return err
	}
	page, err := store.ListRatings(c.Request().Context(), s.db.R, unit, year, pr)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) ratingLabels(c echo.Context) error {
	unit, err := s.ratingUnit(c)
	if err != nil {
		return err
	}
	year, err := ratingYear(c.QueryParam("year"))
	if err != nil {
		return err
	}
	ls, err := store.LabelsForYear(c.Request().Context(), s.db.R, store.ProvinceOf(unit), year)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ls)
}

func (s *Server) getRating(c echo.Context) error {
	id, err := idParam(c, "id", "@what.org_unit")
	if err != nil {
		return err
	}
	u, err := s.readableUnit(c, s.db.R, id)
	if err != nil {
		return err
	}
	year, err := ratingYear(c.Param("year"))
	if err != nil {
		return err
	}
	r, err := store.RatingOf(c.Request().Context(), s.db.R, u.ID, year)
	if err != nil {
		return err
	}
	if r == nil {
		return domain.NotFound("@what.rating")
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) putRating(c echo.Context) error {
	id, err := idParam(c, "id", "@what.org_unit")
	if err != nil {
		return err
	}
	year, err := ratingYear(c.Param("year"))
	if err != nil {
		return err
	}
	var in RatingInput
	if err := decode(c, &in); err != nil {
		return err
	}
	if _, ok := domain.ParseID(in.LabelID); !ok {
		return domain.Invalid("label_id", "error.required", "field", "label_id")
	}
	p := principal(c)
	var out RatingResult
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		u, err := writableUnit(ctx, tx, p, id, domain.RoleAdmin)
		if err != nil {
			return err
		}
		if out.Outcome, err = store.PutRating(ctx, tx, u, year, in.LabelID, vnToday()); err != nil {
			return err
		}
		out.Rating, err = store.RatingOf(ctx, tx, u.ID, year)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) deleteRating(c echo.Context) error {
	id, err := idParam(c, "id", "@what.org_unit")
	if err != nil {
		return err
	}
	year, err := ratingYear(c.Param("year"))
	if err != nil {
		return err
	}
	p := principal(c)
	err = s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		u, err := writableUnit(ctx, tx, p, id, domain.RoleAdmin)
		if err != nil {
			return err
		}
		return store.DeleteRating(ctx, tx, u, year)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// importRatings previews or commits a year's ratings from an XLSX file. A preview reports every row; a commit
// writes every rating in one transaction or, if any row is wrong, nothing (400 with the plan as details).
func (s *Server) importRatings(c echo.Context) error {
	up, done, err := readUpload(c, s.db, domain.RoleAdmin)
	if err != nil {
		return err
	}
	defer done()
	year, err := ratingYear(c.FormValue("year"))
	if err != nil {
		return err
	}
	if year < store.MinRatingYear || year > vnToday().Year() {
		return domain.Invalid("year", "rating.bad_year", "min", strconv.Itoa(store.MinRatingYear), "max", strconv.Itoa(vnToday().Year()))
	}
	ctx := c.Request().Context()
	unit, mode := up.Unit, up.Mode
	file, err := rating.Parse(up.File)
	if err != nil {
		return err
	}
	out := RatingImportResult{Mode: mode}
	if mode == "preview" {
		if out.Plan, err = rating.PlanImport(ctx, s.db.R, unit, year, file); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		plan, err := rating.PlanImport(ctx, tx, unit, year, file)
		if err != nil {
			return err
		}
		out.Plan = plan
		if out.Written, err = plan.Apply(ctx, tx); err != nil {
			return err
		}
		out.Committed = true
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

// ratingsTemplate downloads the XLSX template of a unit's ratings for a year.
func (s *Server) ratingsTemplate(c echo.Context) error {
	unit, err := s.ratingUnit(c)
	if err != nil {
		return err
	}
	year, err := ratingYear(c.QueryParam("year"))
	if err != nil {
		return err
	}
	body, err := rating.Template(c.Request().Context(), s.db.R, unit, year, lang(c))
	if err != nil {
		return err
	}
	name := fmt.Sprintf("xep-loai-chi-bo-%d-%s.xlsx", year, domain.Slug(unit.Name))
	attachment(c, name)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body)
}
