// Package minutes writes a meeting's minutes (biên bản sinh hoạt chi bộ) as a DOCX in the party's document layout:
// ĐẢNG CỘNG SẢN VIỆT NAM on the right, the unit above and the cell on the left with the document number, the place
// and date line in italics, the title, the header (time, place, chair, minute-taker, attendance, guests), the
// agenda items of the province's template in force on the meeting day, the closing and the signature blocks of
// the minute-taker and the chair.
package minutes

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/i18n"
	"github.com/chibo-vn/chibo/server/store"
)

// Page widths in twips: A4 less the margins.
const (
	textWidth = 11906 - 1701 - 851
	leftCol   = 4300
	rightCol  = textWidth - leftCol
)

// WriteDOCX writes the minutes m as a DOCX in the language l.
func WriteDOCX(w io.Writer, m *store.Minutes, l i18n.Lang) error {
	d := build(m, l)
	return d.write(w)
}

// FileName is the name the download is saved under, the cell's and the day's, as every download is named:
// bien-ban-sinh-hoat-chi-bo-thon-an-loi-2026-12-03.docx.
func FileName(m *store.Minutes, l i18n.Lang) string {
	return i18n.T(l, "minutes.file", nil) + "-" + domain.Slug(m.Cell.Name) + "-" + m.Meeting.MeetingDate.String() + ".docx"
}

func clock(t *time.Time, l i18n.Lang) string {
	lt := t.In(domain.Zone)
	return i18n.T(l, "minutes.clock", map[string]string{"h": fmt.Sprintf("%02d", lt.Hour()), "m": fmt.Sprintf("%02d", lt.Minute())})
}

func build(m *store.Minutes, l i18n.Lang) *document {
	T := func(key string, kv ...string) string {
		args := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			args[kv[i]] = kv[i+1]
		}
		return i18n.T(l, key, args)
	}
	mt := m.Meeting
	date := mt.MeetingDate
	d := &document{}

	// The heading: the unit above and the cell, the party's name, the number and the date line.
	higher := ""
	place := store.Place(&m.Cell)
	if m.Higher != nil {
		higher, place = strings.ToUpper(m.Higher.Name), store.Place(m.Higher)
	}
	left := []para{
		{runs: []run{{text: higher}}, align: "center"},
		{runs: []run{{text: strings.ToUpper(m.Cell.Name), bold: true}}, align: "center"},
		{runs: []run{{text: "*"}}, align: "center"},
		{runs: []run{{text: T("minutes.number")}}, align: "center"},
	}
	right := []para{
		{runs: []run{{text: T("minutes.party"), bold: true, underline: true}}, align: "center", after: 240},
		{runs: []run{{text: T("minutes.date_line", "place", place, "d", fmt.Sprintf("%02d", date.Day()),
			"m", fmt.Sprintf("%02d", int(date.Month())), "y", fmt.Sprint(date.Year())), italic: true}}, align: "center"},
	}
	d.table([][]cell{{{paras: left, width: leftCol}, {paras: right, width: rightCol}}})
	d.para(para{after: 240})
	d.para(para{runs: []run{{text: T("minutes.title"), bold: true, size: 30}}, align: "center", after: 60})
	sub := T("minutes.regular", "month", fmt.Sprintf("%02d/%d", int(date.Month()), date.Year()))
	switch mt.Type {
	case domain.MeetingExtraordinary:
		sub = T("minutes.extraordinary", "date", date.VN())
	case domain.MeetingThematic:
		// Topics are often written with the kind of meeting in front ("Sinh hoạt chuyên đề: …"); it is said once.
		sub = T("minutes.thematic", "topic", strings.TrimSpace(strings.TrimPrefix(mt.Topic, "Sinh hoạt chuyên đề:")))
	}
	d.para(para{runs: []run{{text: sub, bold: true}}, align: "center", after: 240})

	line := func(text string) { d.para(para{runs: []run{{text: text}}, align: "both", indent: 567, after: 60}) }
	head := func(text string) { d.para(para{runs: []run{{text: text, bold: true}}, after: 60, keep: true}) }

	// I. Time, place, participants.
	head(T("minutes.part_header"))
	if mt.StartsAt != nil {
		line("- " + T("minutes.time", "time", clock(mt.StartsAt, l), "date", date.VN()))
	} else {
		line("- " + T("minutes.time_unknown", "date", date.VN()))
	}
	if mt.Place != "" {
		line("- " + T("minutes.place", "place", mt.Place))
	}
	if mt.ChairName != "" {
		line("- " + T("minutes.chair", "name", mt.ChairName))
	}
	if mt.SecretaryName != "" {
		line("- " + T("minutes.secretary", "name", mt.SecretaryName))
	}
	absent := m.Excused + m.Unexcused
	line("- " + T("minutes.members", "total", fmt.Sprint(m.Members), "exempt", fmt.Sprint(m.Exempt), "present", fmt.Sprint(m.Present),
		"absent", fmt.Sprint(absent), "excused", fmt.Sprint(m.Excused), "unexcused", fmt.Sprint(m.Unexcused)))
	for _, g := range m.Doc.Guests {
		post := ""
		if g.Post != "" {
			post = ", " + g.Post
		}
		key := "minutes.guest"
		if g.Higher {
			key = "minutes.higher"
		}
		line("- " + T(key, "name", g.Name, "post", post))
	}

	// II. The agenda items of the template.
	head(T("minutes.part_body"))
	n := 0
	for _, def := range m.Items {
		if !def.AppliesTo(mt.Type) {
			continue
		}
		it := m.Doc.Item(def.Key)
		if def.Kind == store.ItemResolution && it.Text == "" && def.Key == "resolution" {
			it.Text = mt.Resolution
		}
		n++
		label := def.LabelVI
		if l == i18n.EN && def.LabelEN != "" {
			label = def.LabelEN
		}
		head(fmt.Sprintf("%d. %s", n, label))
		empty := true
		if def.Kind == store.ItemReview && len(m.Previous) > 0 {
			line(T("minutes.prev_tasks"))
			for _, t := range m.Previous {
				state := T("minutes.unticked")
				if done, ok := it.Done[t.ID]; ok {
					state = T("minutes.not_done")
					if done {
						state = T("minutes.done")
					}
				}
				line("- " + t.What + ": " + state + ".")
			}
			empty = false
		}
		for _, p := range strings.Split(strings.TrimSpace(it.Text), "\n") {
			if p = strings.TrimSpace(p); p != "" {
				line(p)
				empty = false
			}
		}
		for _, s := range it.Speeches {
			line("- " + T("minutes.speech", "name", s.Name, "text", s.Text))
			empty = false
		}
		if len(it.Speeches) == 0 && len(it.Speakers) > 0 {
			line("- " + strings.Join(it.Speakers, ", "))
			empty = false
		}
		if len(it.Tasks) > 0 {
			line(T("minutes.tasks"))
			for _, t := range it.Tasks {
				due := "…"
				if !t.Due.IsZero() {
					due = t.Due.VN()
				}
				who := t.Who
				if who == "" {
					who = "…"
				}
				line("- " + T("minutes.task", "what", t.What, "who", who, "due", due))
			}
			empty = false
		}
		if it.Vote != nil && it.Vote.For != nil {
			against := 0
			if it.Vote.Against != nil {
				against = *it.Vote.Against
			}
			line(T("minutes.vote", "for", fmt.Sprint(*it.Vote.For), "against", fmt.Sprint(against), "present", fmt.Sprint(m.Present)))
			empty = false
		}
		if empty {
			line(T("minutes.empty"))
		}
	}

	// III. Closing and signatures.
	head(T("minutes.part_end"))
	if mt.EndsAt != nil {
		line(T("minutes.ended", "time", clock(mt.EndsAt, l)))
	} else {
		line(T("minutes.ended_unknown"))
	}
	d.para(para{after: 240})
	sign := func(title, name string) []para {
		return []para{
			{runs: []run{{text: title, bold: true}}, align: "center"},
			{runs: []run{{text: T("minutes.sign_hint"), italic: true}}, align: "center", after: 1200},
			{runs: []run{{text: name, bold: true}}, align: "center"},
		}
	}
	d.table([][]cell{{{paras: sign(T("minutes.sign_secretary"), mt.SecretaryName), width: textWidth / 2},
		{paras: sign(T("minutes.sign_chair"), mt.ChairName), width: textWidth - textWidth/2}}})
	return d
}
