package roster_test

import (
	"bytes"
	"testing"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/roster"
)

// FuzzParse feeds Parse arbitrary CSV files: it must return a file or an invalid-input error, never panic, and a
// file it returns must be consistent. Run it with `go test -fuzz=FuzzParse ./server/roster/`.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"\uFEFFTổ chức: Chi bộ thôn An Lợi\r\nDANH SÁCH ĐẢNG VIÊN\r\n\r\nSTT,Họ và tên,Năm sinh,Giới tính,Số thẻ đảng viên,Ngày vào Đảng,Ngày chính thức,Loại đảng viên,Tình trạng sinh hoạt,Tạm miễn đến,Chi bộ,Mã chi bộ,Chức vụ,Ghi chú\r\n" +
			"1,Nguyễn Văn An,1960,Nam,79.1,12/05/1985,12/05/1986,Chính thức,Tạm miễn sinh hoạt; Sinh hoạt tạm thời,31/12/2026,Chi bộ thôn An Lợi,TP-AL,Bí thư,\r\n",
		"\"Họ và\ntên\";\"Ngày sinh\";\"Chính thức/Dự bị\";\"Ghi chú\"\nLê Văn Ba;3/4/1970;DB;Tạm miễn đến 12/2026\n",
		"Họ tên đảng viên,Nam,Nữ\nPhan Văn Sáu,1960,\nPhan Thị Bảy,,15/03/1971\n,,\nNgười lập biểu,,\n",
		"Họ và tên,Năm sinh\n\"unterminated,1960\n",
		"Họ và tên,Năm sinh,Ngày vào Đảng\nA,99999999999999999999,1e308\nB,-1,NaN\n",
		"Họ và tên\n\x00\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := roster.Parse(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			if domain.ErrorCode(err) != domain.CodeInvalid {
				t.Fatalf("error %v is not an input error", err)
			}
			return
		}
		if len(file.Rows) == 0 || len(file.Rows) > roster.MaxRows {
			t.Fatalf("%d rows", len(file.Rows))
		}
		last := file.HeaderLine
		for _, r := range file.Rows {
			if r.Line <= last {
				t.Fatalf("row line %d after line %d", r.Line, last)
			}
			last = r.Line
		}
		for _, is := range file.Issues {
			if is.Line <= file.HeaderLine || is.Code == "" {
				t.Fatalf("issue %+v", is)
			}
		}
	})
}

// TestParseCorruptWorkbooks damages a real workbook in many ways: Parse must answer with an error or a file,
// never panic.
func TestParseCorruptWorkbooks(t *testing.T) {
	good := officeWorkbook(t, manyMembers(20))
	for cut := 0; cut < len(good); cut += len(good)/40 + 1 {
		_, _ = roster.Parse(bytes.NewReader(good[:cut]), "x.xlsx")
		damaged := bytes.Clone(good)
		for i := cut; i < len(damaged) && i < cut+16; i++ {
			damaged[i] ^= 0x5A
		}
		_, _ = roster.Parse(bytes.NewReader(damaged), "x.xlsx")
	}
}
