package api

import (
	"context"
	"net/http"
	"runtime"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/userimport"
)

// UsersImportResult is the answer to an import of users: what the file would do (preview) or did (commit). A
// commit's result carries the one-time passwords of the users it created, shown this once.
type UsersImportResult struct {
	Mode      string             `json:"mode"`
	Committed bool               `json:"committed"`
	Plan      *userimport.Plan   `json:"plan"`
	Result    *userimport.Result `json:"result,omitempty"`
}

// importUsers previews or commits a list of officials. A preview reports every row's outcome; a commit imports
// the whole file in one transaction or, if any row is bad, nothing (answering 400 with the plan as details).
func (s *Server) importUsers(c echo.Context) error {
	up, done, err := readUpload(c, s.db, domain.RoleAdmin)
	if err != nil {
		return err
	}
	defer done()
	dec := userimport.Decision{Number: domain.CleanText(c.FormValue("decision_number"))}
	if len([]rune(dec.Number)) > 100 {
		return domain.Invalid("decision_number", "error.too_long", "field", "decision_number", "max", "100")
	}
	if dec.Date, err = userimport.ParseDecisionDate(c.FormValue("decision_date")); err != nil {
		return err
	}
	ctx := c.Request().Context()
	unit, mode := up.Unit, up.Mode
	file, err := userimport.Parse(up.File, up.Name)
	if err != nil {
		return err
	}
	out := UsersImportResult{Mode: mode}
	if out.Plan, err = userimport.PlanImport(ctx, s.db.R, unit, file, dec); err != nil {
		return err
	}
	if mode == "preview" {
		return c.JSON(http.StatusOK, out)
	}
	if out.Plan.ErrorRows > 0 {
		return &detailedError{err: domain.AsError(domain.E(domain.CodeInvalid, "users_import.has_errors", "count", itoa(out.Plan.ErrorRows))), details: out.Plan}
	}
	// Hash the new users' passwords before the write transaction, in parallel: a password hash takes tens of
	// milliseconds by design, and a transaction must not hold the database that long per user.
	pool := s.hashPool(out.Plan.NewUsers)
	err = s.db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
		plan, err := userimport.PlanImport(ctx, tx, unit, file, dec)
		if err != nil {
			return err
		}
		out.Plan = plan
		res, err := plan.Apply(ctx, tx, pool.next, pool.hash)
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
	s.cache.forget()
	return c.JSON(http.StatusOK, out)
}

// hashedPool holds one-time passwords hashed ahead of a transaction; when it runs out it hashes on demand.
type hashedPool struct {
	s      *Server
	pws    []string
	hashes map[string]string
	i      int
}

func (s *Server) hashPool(n int) *hashedPool {
	p := &hashedPool{s: s, pws: make([]string, n), hashes: make(map[string]string, n)}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	for i := range p.pws {
		p.pws[i] = auth.OneTimePassword()
		wg.Add(1)
		sem <- struct{}{}
		go func(pw string) {
			defer func() { <-sem; wg.Done() }()
			if h, err := auth.HashPassword(pw, s.cfg.Argon2); err == nil {
				mu.Lock()
				p.hashes[pw] = h
				mu.Unlock()
			}
		}(p.pws[i])
	}
	wg.Wait()
	return p
}

func (p *hashedPool) next() string {
	if p.i < len(p.pws) {
		p.i++
		return p.pws[p.i-1]
	}
	return auth.OneTimePassword()
}

func (p *hashedPool) hash(pw string) (string, error) {
	if h, ok := p.hashes[pw]; ok {
		return h, nil
	}
	h, err := auth.HashPassword(pw, p.s.cfg.Argon2)
	if err != nil {
		return "", domain.Internal(err)
	}
	return h, nil
}

// usersTemplate downloads the workbook to fill in for an import, with a sample row naming units of the caller.
func (s *Server) usersTemplate(c echo.Context) error {
	sample := []string{"Nguyễn Văn An", "", "Phó Bí thư Đảng ủy", "0912 345 678", "Đảng bộ xã …", "Cán bộ dự sinh hoạt", "", "01/01/2026", "31/12/2026", "Chi bộ thôn …; Chi bộ thôn …", ""}
	body, err := userimport.Template(lang(c), sample)
	if err != nil {
		return err
	}
	name := "mau-nhap-can-bo.xlsx"
	attachment(c, name)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body)
}
