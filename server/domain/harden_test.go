package domain_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/chibo-vn/chibo/server/domain"
)

func TestDateRange(t *testing.T) {
	tests := []struct {
		s  string
		ok bool
	}{
		{"0000-01-01", false}, {"0001-01-01", false}, {"9999-12-31", false}, {"1899-12-31", false}, {"2101-01-01", false},
		{"1900-01-01", true}, {"2100-12-31", true}, {"31/12/2100", true}, {"01/01/0001", false}, {"31/12/1899", false},
	}
	for _, tc := range tests {
		d, err := domain.ParseDate(tc.s)
		if tc.ok && (err != nil || d.IsZero()) {
			t.Errorf("ParseDate(%q): %v %v", tc.s, d, err)
		}
		if !tc.ok && !errors.Is(err, domain.ErrDateRange) {
			t.Errorf("ParseDate(%q): %v %v, want ErrDateRange", tc.s, d, err)
		}
		if len(tc.s) != 10 || tc.s[4] != '-' {
			continue
		}
		var v struct {
			D domain.Date `json:"d"`
		}
		err = json.Unmarshal([]byte(`{"d":"`+tc.s+`"}`), &v)
		var te *json.UnmarshalTypeError
		if tc.ok && (err != nil || v.D.String() != tc.s) {
			t.Errorf("json %q: %v %v", tc.s, v.D, err)
		}
		if !tc.ok && (!errors.As(err, &te) || te.Field != "d") {
			t.Errorf("json %q: %v, want a type error on d", tc.s, err)
		}
	}
}

func TestOrgKindHierarchy(t *testing.T) {
	allowed := map[domain.OrgKind][]domain.OrgKind{
		domain.KindProvince:   {},
		domain.KindDistrict:   {domain.KindProvince},
		domain.KindCommune:    {domain.KindProvince, domain.KindDistrict},
		domain.KindGrassroots: {domain.KindProvince, domain.KindDistrict, domain.KindCommune},
		domain.KindCell:       {domain.KindProvince, domain.KindDistrict, domain.KindCommune, domain.KindGrassroots},
		domain.KindPartyGroup: {domain.KindCell},
	}
	for _, k := range domain.OrgKinds {
		for _, p := range domain.OrgKinds {
			want := false
			for _, a := range allowed[k] {
				want = want || a == p
			}
			if got := k.CanBeUnder(p); got != want {
				t.Errorf("%s under %s: %v, want %v", k, p, got, want)
			}
		}
	}
	if domain.KindCell.CanBeUnder("village") || domain.OrgKind("village").CanBeUnder(domain.KindProvince) {
		t.Error("an unknown kind fits")
	}
}
