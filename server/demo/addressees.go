package demo

import (
	"context"
	"strings"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// dirBody is one body of the demo's directory of addressees: its key (the keys of addressees in text.go name the
// bodies recommendations are addressed to), names, kind and the key of its parent. In a commune body's texts
// {xa} is the commune's label ("xã Triệu Phong") and {cap} its kind word ("xã", "phường").
type dirBody struct {
	key, name, short, aliases string
	kind                      domain.AddresseeKind
	parent                    string // a key of provinceDirectory, or of communeDirectory prefixed "c:"
}

// provinceDirectory is the province level of the demo's directory, parents first.
var provinceDirectory = []dirBody{
	{"tinhuy", "Tỉnh ủy Quảng Trị", "Tỉnh ủy", "Đảng ủy tỉnh\nBan Chấp hành Đảng bộ tỉnh", domain.AddrParty, ""},
	{"btvtu", "Ban Thường vụ Tỉnh ủy", "BTV Tỉnh ủy", "Thường trực Tỉnh ủy", domain.AddrParty, "tinhuy"},
	{"btctu", "Ban Tổ chức Tỉnh ủy", "Ban Tổ chức", "", domain.AddrPartyBoard, "tinhuy"},
	{"btgdv", "Ban Tuyên giáo và Dân vận Tỉnh ủy", "Ban Tuyên giáo và Dân vận", "Ban Dân vận Tỉnh ủy\nBan Tuyên giáo Tỉnh ủy", domain.AddrPartyBoard, "tinhuy"},
	{"ubkttu", "Ủy ban Kiểm tra Tỉnh ủy", "UBKT Tỉnh ủy", "", domain.AddrPartyBoard, "tinhuy"},
	{"ubndt", "Ủy ban nhân dân tỉnh Quảng Trị", "UBND tỉnh", "Ủy ban tỉnh", domain.AddrGovernment, ""},
	{"hdndt", "Hội đồng nhân dân tỉnh Quảng Trị", "HĐND tỉnh", "", domain.AddrCouncil, ""},
	{"sonn", "Sở Nông nghiệp và Môi trường", "Sở NN&MT", "Sở Nông nghiệp\nSở Tài nguyên và Môi trường", domain.AddrGovernment, "ubndt"},
	{"soxd", "Sở Xây dựng", "", "Sở Giao thông vận tải", domain.AddrGovernment, "ubndt"},
	{"soyt", "Sở Y tế", "", "", domain.AddrGovernment, "ubndt"},
	{"sogd", "Sở Giáo dục và Đào tạo", "Sở GD&ĐT", "", domain.AddrGovernment, "ubndt"},
	{"sotc", "Sở Tài chính", "", "", domain.AddrGovernment, "ubndt"},
	{"sonv", "Sở Nội vụ", "", "", domain.AddrGovernment, "ubndt"},
	{"bhxh", "Bảo hiểm xã hội tỉnh Quảng Trị", "Bảo hiểm xã hội tỉnh", "BHXH tỉnh", domain.AddrGovernment, ""},
	{"catinh", "Công an tỉnh Quảng Trị", "Công an tỉnh", "", domain.AddrPolice, ""},
	{"bchqs", "Bộ Chỉ huy Quân sự tỉnh Quảng Trị", "Bộ Chỉ huy Quân sự tỉnh", "Bộ CHQS tỉnh", domain.AddrOther, ""},
	{"mttqt", "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Quảng Trị", "Ủy ban MTTQ tỉnh", "Mặt trận tỉnh", domain.AddrFront, ""},
	{"dienluc", "Công ty Điện lực Quảng Trị", "Điện lực Quảng Trị", "PC Quảng Trị\nĐiện lực tỉnh", domain.AddrEnterprise, ""},
	{"nuoc", "Công ty Cổ phần Cấp nước Quảng Trị", "Cấp nước Quảng Trị", "Công ty Cổ phần Nước sạch Quảng Trị\nNước sạch Quảng Trị", domain.AddrEnterprise, ""},
	{"vt", "Viettel Quảng Trị", "", "Chi nhánh Viettel Quảng Trị", domain.AddrEnterprise, ""},
}

// communeDirectory is the directory of each commune, parents first.
var communeDirectory = []dirBody{
	{"danguy", "Đảng ủy {xa}", "Đảng ủy {cap}", "", domain.AddrParty, "tinhuy"},
	{"btvdu", "Ban Thường vụ Đảng ủy {xa}", "Ban Thường vụ Đảng ủy {cap}", "BTV Đảng ủy {cap}\nThường trực Đảng ủy", domain.AddrParty, "c:danguy"},
	{"ubnd", "UBND {xa}", "UBND {cap}", "Ủy ban nhân dân {xa}\nỦy ban {cap}\nChính quyền {cap}", domain.AddrGovernment, "ubndt"},
	{"hdnd", "HĐND {xa}", "HĐND {cap}", "Hội đồng nhân dân {xa}", domain.AddrCouncil, "hdndt"},
	{"vp", "Văn phòng HĐND và UBND {xa}", "Văn phòng HĐND và UBND", "Văn phòng Ủy ban", domain.AddrGovernment, "c:ubnd"},
	{"kinhte", "Phòng Kinh tế {xa}", "Phòng Kinh tế", "", domain.AddrGovernment, "c:ubnd"},
	{"vhxh", "Phòng Văn hóa – Xã hội {xa}", "Phòng Văn hóa – Xã hội", "", domain.AddrGovernment, "c:ubnd"},
	{"hcc", "Trung tâm Phục vụ hành chính công {xa}", "Trung tâm Phục vụ hành chính công", "Một cửa {cap}", domain.AddrGovernment, "c:ubnd"},
	{"mttq", "Ủy ban MTTQ Việt Nam {xa}", "Ủy ban MTTQ {cap}", "Mặt trận Tổ quốc {xa}\nMặt trận {cap}", domain.AddrFront, "mttqt"},
	{"congan", "Công an {xa}", "Công an {cap}", "", domain.AddrPolice, "catinh"},
	{"quansu", "Ban Chỉ huy Quân sự {xa}", "Ban Chỉ huy Quân sự {cap}", "Quân sự {cap}", domain.AddrOther, "bchqs"},
	{"hnd", "Hội Nông dân {xa}", "Hội Nông dân", "", domain.AddrFront, "c:mttq"},
	{"hpn", "Hội Liên hiệp Phụ nữ {xa}", "Hội Phụ nữ", "Hội Liên hiệp Phụ nữ", domain.AddrFront, "c:mttq"},
	{"dtn", "Đoàn Thanh niên Cộng sản Hồ Chí Minh {xa}", "Đoàn Thanh niên", "Đoàn {cap}", domain.AddrFront, "c:mttq"},
	{"hccb", "Hội Cựu chiến binh {xa}", "Hội Cựu chiến binh", "", domain.AddrFront, "c:mttq"},
	{"dlkv", "Điện lực khu vực {ten}", "Điện lực khu vực", "Điện lực {ten}", domain.AddrEnterprise, "dienluc"},
}

// DirectoryResponder is the login of the demo's responder for Sở Nông nghiệp và Môi trường, where matters beyond
// a commune's competence are escalated to.
const DirectoryResponder = "songnmt"

// directory writes the demo's directory of addressees: the province's bodies, then each commune's, with parents,
// aliases and the responders (ubnd for UBND xã of the first commune, songnmt for Sở Nông nghiệp và Môi trường).
// Its ids come from a stream of their own, so the rows written without it stay the same.
func (g *generator) directory(ctx context.Context) error {
	r := newRNG(g.cfg.Seed, streamDirectory)
	var from domain.Date
	if !reorganisedOn.After(g.today) {
		from = reorganisedOn
	}
	g.dir = map[string]string{}
	add := func(b dirBody, vars map[string]string, unit *store.OrgUnit, level domain.AddresseeLevel, sort int, parent string) (string, error) {
		a := store.Addressee{ProvinceID: &g.province.ID, OrgUnitID: &unit.ID, Kind: b.kind, Level: level,
			Code: b.key, Name: fill(b.name, vars), ShortName: fill(b.short, vars), Aliases: fill(b.aliases, vars),
			ActiveFrom: from, SortOrder: sort}
		a.ID = r.id()
		if parent != "" {
			a.ParentID = &parent
		}
		a.CreatedAt, a.UpdatedAt = g.setupAt, g.setupAt
		if err := a.Normalize(); err != nil {
			return "", err
		}
		return a.ID, put(ctx, g.w, &g.w.addressees, a)
	}
	for k, b := range provinceDirectory {
		id, err := add(b, nil, &g.province, domain.LevelProvince, (k+1)*10, g.dir[b.parent])
		if err != nil {
			return err
		}
		g.dir[b.key] = id
	}
	for _, c := range g.communes {
		c.dir = map[string]string{}
		cap, name, _ := strings.Cut(c.label, " ")
		vars := map[string]string{"{xa}": c.label, "{cap}": cap, "{ten}": name}
		for k, b := range communeDirectory {
			parent := g.dir[b.parent]
			if p, ok := strings.CutPrefix(b.parent, "c:"); ok {
				parent = c.dir[p]
			}
			id, err := add(b, vars, &c.unit, domain.LevelCommune, (k+1)*10, parent)
			if err != nil {
				return err
			}
			c.dir[b.key] = id
		}
	}
	responder := func(addressee, user string) error {
		return put(ctx, g.w, &g.w.responders, store.AddresseeResponder{ID: r.id(), AddresseeID: addressee, UserID: user,
			CreatedAt: g.setupAt})
	}
	if first := g.communes[0]; first.responder != "" {
		if err := responder(first.dir["ubnd"], first.responder); err != nil {
			return err
		}
	}
	if g.dirResponder != "" {
		return responder(g.dir["sonn"], g.dirResponder)
	}
	return nil
}

// addresseeOf returns the directory body a recommendation of commune c addressed to key (a key of addressees in
// text.go) goes to, nil when the directory has none.
func (g *generator) addresseeOf(c *commune, key string) *string {
	if key == "danguy" { // text.go's "danguy" is "Ban Thường vụ Đảng ủy {xa}"
		key = "btvdu"
	}
	if id, ok := c.dir[key]; ok {
		return &id
	}
	if id, ok := g.dir[key]; ok {
		return &id
	}
	return nil
}
