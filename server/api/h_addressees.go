package api

// The directory of addressees (issue #12): the bodies of a province recommendations are addressed to. Reads: any
// user with a grant or an assignment in the province (an official matches addressees offline from the synced
// table; these endpoints serve the admin screen, the loop's forwarding and other clients). Writes: an administrator
// of the whole province; every write is audited and goes through the change log, so devices receive it.

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/addressee"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// RetireInput ends a body's presence in the directory on a day (its active_to; default today).
type RetireInput struct {
	ActiveTo domain.Date `json:"active_to"`
}

// ResponderInput names the user who answers for a body.
type ResponderInput struct {
	UserID string `json:"user_id"`
}

// AddresseeMatch is the directory body that best matches a typed addressee, null when none does.
type AddresseeMatch struct {
	Addressee *store.Addressee `json:"addressee"`
}

// inProvince reports whether the caller holds a grant or an assignment in the province.
func inProvince(p *domain.Principal, provinceID string) bool {
	prefix := "/" + provinceID + "/"
	for _, g := range p.Grants {
		if g.Path == "/" || strings.HasPrefix(g.Path, prefix) {
			return true
		}
	}
	for _, a := range p.AssignedPaths() {
		if strings.HasPrefix(a, prefix) {
			return true
		}
	}
	return false
}

// dirProvince reads the province of the query parameter province_id (any unit of the province) that the caller
// belongs to; admin requires an administrator of the whole province (403 otherwise, 404 outside the province).
func dirProvince(ctx context.Context, c echo.Context, db bun.IDB, name string, admin bool) (*store.OrgUnit, error) {
	id, err := queryID(c, name)
	if err != nil {
		return nil, err
	}
	if id == "" {
		return nil, domain.Invalid(name, "addr.need_province")
	}
	u, err := store.GetOrgUnit(ctx, db, id)
	if err != nil {
		return nil, err
	}
	return provinceFor(ctx, c, db, store.ProvinceOf(u), admin)
}

func provinceFor(ctx context.Context, c echo.Context, db bun.IDB, provinceID string, admin bool) (*store.OrgUnit, error) {
	p := principal(c)
	if !inProvince(p, provinceID) {
		return nil, domain.NotFound("@what.org_unit")
	}
	prov, err := store.GetOrgUnit(ctx, db, provinceID)
	if err != nil {
		return nil, err
	}
	if admin && !p.Can(prov.Path, domain.RoleAdmin) {
		return nil, domain.E(domain.CodeForbidden, "addr.province_role")
	}
	return prov, nil
}

// addresseeFor reads the body of the :id path parameter in a province the caller belongs to (404 otherwise), and
// its province; admin requires an administrator of the province (403).
func addresseeFor(ctx context.Context, c echo.Context, db bun.IDB, admin bool) (*store.Addressee, *store.OrgUnit, error) {
	id, err := idParam(c, "id", "@what.addressee")
	if err != nil {
		return nil, nil, err
	}
	a, err := store.GetAddressee(ctx, db, "", id)
	if err != nil {
		return nil, nil, err
	}
	if a.ProvinceID == nil || !inProvince(principal(c), *a.ProvinceID) {
		return nil, nil, domain.NotFound("@what.addressee")
	}
	prov, err := provinceFor(ctx, c, db, *a.ProvinceID, admin)
	return a, prov, err
}

func (s *Server) listAddressees(c echo.Context) error {
	ctx := c.Request().Context()
	pr, err := pageRequest(c)
	if err != nil {
		return err
	}
	f := store.AddresseeFilter{Query: c.QueryParam("q")}
	if f.Level, err = oneOf(c, "level", domain.AddresseeLevel.Valid); err != nil {
		return err
	}
	if f.Kind, err = oneOf(c, "kind", domain.AddresseeKind.Valid); err != nil {
		return err
	}
	if f.ParentID, err = queryID(c, "parent_id"); err != nil {
		return err
	}
	if f.OrgUnitID, err = queryID(c, "org_unit_id"); err != nil {
		return err
	}
	if f.ActiveOn, err = queryDate(c, "active_on"); err != nil {
		return err
	}
	name := "province_id"
	if c.QueryParam(name) == "" && f.OrgUnitID != "" {
		name = "org_unit_id"
	}
	prov, err := dirProvince(ctx, c, s.db.R, name, false)
	if err != nil {
		return err
	}
	f.ProvinceID = prov.ID
	page, err := store.ListAddressees(ctx, s.db.R, f, pr)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

func (s *Server) getAddressee(c echo.Context) error {
	ctx := c.Request().Context()
	a, _, err := addresseeFor(ctx, c, s.db.R, false)
	if err != nil {
		return err
	}
	d, err := store.AddresseeDetailOf(ctx, s.db.R, "", a.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (s *Server) matchAddressee(c echo.Context) error {
	ctx := c.Request().Context()
	prov, err := dirProvince(ctx, c, s.db.R, "province_id", false)
	if err != nil {
		return err
	}
	cellID, err := queryID(c, "cell_id")
	if err != nil {
		return err
	}
	day, err := queryDate(c, "day")
	if err != nil {
		return err
	}
	if day.IsZero() {
		day = vnToday()
	}
	a, err := store.MatchAddressee(ctx, s.db.R, prov.ID, c.QueryParam("text"), day, cellID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, AddresseeMatch{Addressee: a})
}

func (s *Server) createAddressee(c echo.Context) error {
	var in store.AddresseeInput
	if err := decode(c, &in); err != nil {
		return err
	}
	var out *store.Addressee
	err := s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		prov, err := dirProvince(ctx, c, tx, "province_id", true)
		if err != nil {
			return err
		}
		out, err = store.CreateAddressee(ctx, tx, prov, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// addresseeWrite runs fn on the :id body in a write transaction, as an administrator of its province.
func (s *Server) addresseeWrite(c echo.Context, fn func(ctx context.Context, tx bun.Tx, a *store.Addressee, prov *store.OrgUnit) error) error {
	return s.db.Write(c.Request().Context(), func(ctx context.Context, tx bun.Tx) error {
		a, prov, err := addresseeFor(ctx, c, tx, true)
		if err != nil {
			return err
		}
		return fn(ctx, tx, a, prov)
	})
}

func (s *Server) updateAddressee(c echo.Context) error {
	var in store.AddresseeInput
	if err := decode(c, &in); err != nil {
		return err
	}
	var out *store.Addressee
	err := s.addresseeWrite(c, func(ctx context.Context, tx bun.Tx, a *store.Addressee, prov *store.OrgUnit) (err error) {
		out, err = store.UpdateAddressee(ctx, tx, prov, a.ID, in)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) retireAddressee(c echo.Context) error {
	var in RetireInput
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	if in.ActiveTo.IsZero() {
		in.ActiveTo = vnToday()
	}
	var out *store.Addressee
	err := s.addresseeWrite(c, func(ctx context.Context, tx bun.Tx, a *store.Addressee, prov *store.OrgUnit) (err error) {
		out, err = store.RetireAddressee(ctx, tx, prov, a.ID, in.ActiveTo)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) deleteAddressee(c echo.Context) error {
	err := s.addresseeWrite(c, func(ctx context.Context, tx bun.Tx, a *store.Addressee, prov *store.OrgUnit) error {
		return store.DeleteAddressee(ctx, tx, prov, a.ID)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) addAddresseeResponder(c echo.Context) error {
	var in ResponderInput
	if err := decode(c, &in); err != nil {
		return err
	}
	uid, ok := domain.ParseID(in.UserID)
	if !ok {
		return domain.Invalid("user_id", "error.bad_id")
	}
	var out *store.AddresseeDetail
	err := s.addresseeWrite(c, func(ctx context.Context, tx bun.Tx, a *store.Addressee, prov *store.OrgUnit) (err error) {
		if _, err = store.AddAddresseeResponder(ctx, tx, prov, a.ID, uid, vnToday()); err != nil {
			return err
		}
		out, err = store.AddresseeDetailOf(ctx, tx, prov.ID, a.ID)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) removeAddresseeResponder(c echo.Context) error {
	uid, err := idParam(c, "user_id", "@what.responder")
	if err != nil {
		return err
	}
	err = s.addresseeWrite(c, func(ctx context.Context, tx bun.Tx, a *store.Addressee, prov *store.OrgUnit) error {
		return store.RemoveAddresseeResponder(ctx, tx, prov, a.ID, uid)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// AddresseeImportResult is the answer to a directory import: the plan (every row's outcome) and, on commit, the
// counts written.
type AddresseeImportResult struct {
	Mode      string          `json:"mode"`
	Committed bool            `json:"committed"`
	Plan      *addressee.Plan `json:"plan"`
	Written   map[string]int  `json:"written,omitempty"`
}

func (s *Server) importAddressees(c echo.Context) error {
	up, done, err := readUpload(c, s.db, domain.RoleAdmin)
	if err != nil {
		return err
	}
	defer done()
	ctx := c.Request().Context()
	prov, err := provinceFor(ctx, c, s.db.R, store.ProvinceOf(up.Unit), true)
	if err != nil {
		return err
	}
	file, err := addressee.Parse(up.File)
	if err != nil {
		return err
	}
	out := AddresseeImportResult{Mode: up.Mode}
	if !up.Commit {
		if out.Plan, err = addressee.PlanImport(ctx, s.db.R, prov, file); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
	err = s.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		plan, err := addressee.PlanImport(ctx, tx, prov, file)
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

// addresseesTemplate downloads the workbook to fill in for a directory import.
func (s *Server) addresseesTemplate(c echo.Context) error {
	body, err := addressee.Template(lang(c))
	if err != nil {
		return err
	}
	name := "danh-ba-co-quan-nhan-kien-nghi.xlsx"
	attachment(c, name)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body)
}
