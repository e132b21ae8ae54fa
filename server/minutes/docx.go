package minutes

import (
	"archive/zip"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
)

// A minimal WordprocessingML (DOCX) writer: paragraphs of runs and borderless tables, an A4 section. Enough for a
// document in the party's layout; Word, LibreOffice and WPS open it.

// run is a piece of text with its formatting.
type run struct {
	text                    string
	bold, italic, underline bool
	size                    int // half-points; 0: the default (13 pt)
}

// para is a paragraph: runs, alignment (left, center, right, both), first-line indent and spacing after, in twips.
type para struct {
	runs   []run
	align  string
	indent int
	after  int
	keep   bool // keep with the next paragraph
}

// cell is a table cell: its paragraphs and width in twips.
type cell struct {
	paras []para
	width int
}

// block is a paragraph or a table row set.
type block struct {
	p    *para
	rows [][]cell
}

// document collects the blocks of a DOCX.
type document struct{ blocks []block }

func (d *document) para(p para)         { d.blocks = append(d.blocks, block{p: &p}) }
func (d *document) table(rows [][]cell) { d.blocks = append(d.blocks, block{rows: rows}) }

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // writing to a strings.Builder cannot fail
	return b.String()
}

func (r run) xml(b *strings.Builder) {
	b.WriteString("<w:r><w:rPr>")
	if r.bold {
		b.WriteString("<w:b/>")
	}
	if r.italic {
		b.WriteString("<w:i/>")
	}
	if r.underline {
		b.WriteString(`<w:u w:val="single"/>`)
	}
	if r.size > 0 {
		b.WriteString(`<w:sz w:val="` + itoa(r.size) + `"/><w:szCs w:val="` + itoa(r.size) + `"/>`)
	}
	b.WriteString("</w:rPr>")
	for i, line := range strings.Split(r.text, "\n") {
		if i > 0 {
			b.WriteString("<w:br/>")
		}
		b.WriteString(`<w:t xml:space="preserve">` + esc(line) + "</w:t>")
	}
	b.WriteString("</w:r>")
}

func (p para) xml(b *strings.Builder) {
	b.WriteString("<w:p><w:pPr>")
	if p.keep {
		b.WriteString("<w:keepNext/>")
	}
	b.WriteString(`<w:spacing w:before="0" w:after="` + itoa(p.after) + `" w:line="288" w:lineRule="auto"/>`)
	if p.indent > 0 {
		b.WriteString(`<w:ind w:firstLine="` + itoa(p.indent) + `"/>`)
	}
	if p.align != "" {
		b.WriteString(`<w:jc w:val="` + p.align + `"/>`)
	}
	b.WriteString("</w:pPr>")
	for _, r := range p.runs {
		r.xml(b)
	}
	b.WriteString("</w:p>")
}

func tableXML(b *strings.Builder, rows [][]cell) {
	b.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/><w:tblLayout w:type="fixed"/><w:tblBorders>`)
	for _, s := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		b.WriteString("<w:" + s + ` w:val="nil"/>`)
	}
	b.WriteString("</w:tblBorders></w:tblPr><w:tblGrid>")
	if len(rows) > 0 {
		for _, c := range rows[0] {
			b.WriteString(`<w:gridCol w:w="` + itoa(c.width) + `"/>`)
		}
	}
	b.WriteString("</w:tblGrid>")
	for _, row := range rows {
		b.WriteString("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
		for _, c := range row {
			b.WriteString(`<w:tc><w:tcPr><w:tcW w:w="` + itoa(c.width) + `" w:type="dxa"/></w:tcPr>`)
			if len(c.paras) == 0 {
				c.paras = []para{{}}
			}
			for _, p := range c.paras {
				p.xml(b)
			}
			b.WriteString("</w:tc>")
		}
		b.WriteString("</w:tr>")
	}
	b.WriteString("</w:tbl>")
}

// body returns the document's word/document.xml.
func (d *document) body() string {
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString(`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	for _, bl := range d.blocks {
		if bl.p != nil {
			bl.p.xml(&b)
		} else {
			tableXML(&b, bl.rows)
		}
	}
	// A4, margins 2 cm top and bottom, 3 cm left, 1.5 cm right (the administrative documents' layout).
	b.WriteString(`<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="851" w:bottom="1134" w:left="1701" w:header="567" w:footer="567" w:gutter="0"/></w:sectPr>`)
	b.WriteString("</w:body></w:document>")
	return b.String()
}

const contentTypes = xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
	`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
	`</Types>`

const rootRels = xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
	`</Relationships>`

const docRels = xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
	`</Relationships>`

// styles sets Times New Roman 13 pt, the font of party documents.
const styles = xml.Header + `<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
	`<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman" w:eastAsia="Times New Roman"/>` +
	`<w:sz w:val="26"/><w:szCs w:val="26"/><w:lang w:val="vi-VN"/></w:rPr></w:rPrDefault></w:docDefaults></w:styles>`

// write writes the DOCX package.
func (d *document) write(w io.Writer) error {
	z := zip.NewWriter(w)
	for _, f := range []struct{ name, body string }{
		{"[Content_Types].xml", contentTypes}, {"_rels/.rels", rootRels}, {"word/_rels/document.xml.rels", docRels},
		{"word/styles.xml", styles}, {"word/document.xml", d.body()},
	} {
		fw, err := z.Create(f.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(fw, f.body); err != nil {
			return err
		}
	}
	return z.Close()
}

func itoa(n int) string { return strconv.Itoa(n) }
