package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/client"
	"github.com/chibo-vn/chibo/sync/wire"
)

// TestBadIDSaysTheRightOne: a mark created with an id other than the one the id rule gives is refused with reason
// sync.bad_id and, in want, the id it must have (PROTOCOL.md, "Proof of attendance"), the first time and when the
// push is sent again; the mark sent again with that id is applied.
func TestBadIDSaysTheRightOne(t *testing.T) {
	h := newHarness(t)
	client := uuid.NewString()
	meeting, member := uuid.NewString(), h.members["A"][0].ID
	want := wire.AttendanceID(meeting, member)
	req := wire.PushRequest{ClientID: client, Mutations: []wire.Mutation{
		{Seq: 1, Table: "meetings", Op: wire.MutUpsert, RowID: meeting, Fields: fields("cell_id", h.cells["A"].ID,
			"meeting_date", h.today.String(), "status", "held", "topic", "Sinh hoạt thường kỳ")},
		{Seq: 2, Table: "attendance", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("meeting_id", meeting,
			"member_id", member, "status", "present")},
	}}
	for _, round := range []string{"first", "again"} {
		resp := h.rawPush("off1", req)
		if len(resp.Results) != 2 || resp.Results[0].Status != wire.StatusApplied {
			t.Fatalf("%s: %+v", round, resp.Results)
		}
		r := resp.Results[1]
		if r.Status != wire.StatusRejected || r.Reason != "sync.bad_id" || r.Field != "row_id" || r.Want != want {
			t.Errorf("%s: %+v, want sync.bad_id on row_id with want %s", round, r, want)
		}
	}
	resp := h.rawPush("off1", wire.PushRequest{ClientID: client, Mutations: []wire.Mutation{
		{Seq: 3, Table: "attendance", Op: wire.MutUpsert, RowID: want, Fields: fields("meeting_id", meeting,
			"member_id", member, "status", "present")}}})
	if len(resp.Results) != 1 || resp.Results[0].Status != wire.StatusApplied || resp.Results[0].Want != "" {
		t.Errorf("the mark with the rule's id: %+v", resp.Results)
	}
}

// TestPullLimits: a pull's limit is 1–5000, absent (0) meaning 1000; anything else is a 400 with the machine-readable
// code (PROTOCOL.md, Pull). So is a negative protocol version, as on a push.
func TestPullLimits(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		body string
		want int
	}{
		{`{"cursor": ""}`, http.StatusOK},
		{`{"cursor": "", "limit": 0}`, http.StatusOK},
		{`{"cursor": "", "limit": 1}`, http.StatusOK},
		{`{"cursor": "", "limit": 5000}`, http.StatusOK},
		{`{"cursor": "", "limit": -1}`, http.StatusBadRequest},
		{`{"cursor": "", "limit": 5001}`, http.StatusBadRequest},
		{`{"cursor": "", "protocol": 4}`, http.StatusOK}, // answered in the highest version the server speaks
		{`{"cursor": "", "protocol": -1}`, http.StatusBadRequest},
	} {
		status, body := h.postStatus("/api/v1/sync/pull", "off1", json.RawMessage(tc.body))
		if status != tc.want {
			t.Errorf("%s: %d %.200s, want %d", tc.body, status, body, tc.want)
		}
		if tc.want == http.StatusBadRequest && !strings.Contains(body, `"code":"invalid"`) {
			t.Errorf("%s: %.300s, want code invalid", tc.body, body)
		}
	}
}

// TestMeetingTooFarAhead: a meeting dated more than two years ahead (2099 typed for 2025) is refused on
// meeting_date; one two years ahead is applied (store.MeetingMonthsAhead). So is one before the founding of the
// Party (1925 typed for 2025; store.MeetingEarliest), and the day itself is applied.
func TestMeetingTooFarAhead(t *testing.T) {
	h := newHarness(t)
	client := uuid.NewString()
	for i, tc := range []struct {
		date   string
		reason string
	}{
		{"2099-11-05", "meeting.too_far"},
		{h.today.AddMonths(24).String(), ""},
		{h.today.AddMonths(25).String(), "meeting.too_far"},
		{"1925-11-05", "meeting.too_early"},
		{"1025-11-05", "error.bad_value"}, // outside the dates any field takes
		{"1930-02-02", "meeting.too_early"},
		{"1930-02-03", ""},
	} {
		resp := h.rawPush("off1", wire.PushRequest{ClientID: client, Mutations: []wire.Mutation{
			{Seq: int64(i + 1), Table: "meetings", Op: wire.MutUpsert, RowID: uuid.NewString(), Fields: fields("cell_id", h.cells["A"].ID,
				"meeting_date", tc.date, "topic", "Sinh hoạt thường kỳ")}}})
		if len(resp.Results) != 1 {
			t.Fatalf("%s: %+v", tc.date, resp)
		}
		r := resp.Results[0]
		switch {
		case tc.reason == "" && r.Status != wire.StatusApplied:
			t.Errorf("%s: %+v, want applied", tc.date, r)
		case tc.reason != "" && (r.Status != wire.StatusRejected || r.Reason != tc.reason || r.Field != "meeting_date" || r.Message == ""):
			t.Errorf("%s: %+v, want refused on meeting_date with %s", tc.date, r, tc.reason)
		}
	}
}

// TestUpperCaseIDRefused: ids are lower case (PROTOCOL.md); a row id in upper case is refused with sync.bad_id and
// the id in lower case in want, rather than stored under the lower-case id while the device, answered with own,
// keeps the row under the one it sent. Sent again in lower case, it is applied.
func TestUpperCaseIDRefused(t *testing.T) {
	h := newHarness(t)
	client := uuid.NewString()
	id := uuid.NewString()
	meeting := func(seq int64, rowID string) wire.PushRequest {
		return wire.PushRequest{ClientID: client, Protocol: wire.Protocol2, Mutations: []wire.Mutation{{Seq: seq, Table: "meetings",
			Op: wire.MutUpsert, RowID: rowID, Fields: fields("cell_id", h.cells["A"].ID, "meeting_date", h.today.String(), "topic", "Sinh hoạt thường kỳ")}}}
	}
	resp := h.rawPush("off1", meeting(1, strings.ToUpper(id)))
	if r := resp.Results; len(r) != 1 || r[0].Status != wire.StatusRejected || r[0].Reason != "sync.bad_id" || r[0].Want != id || r[0].Own != nil {
		t.Errorf("upper-case id: %+v, want sync.bad_id with want %s", r, id)
	}
	resp = h.rawPush("off1", meeting(2, id))
	if r := resp.Results; len(r) != 1 || r[0].Status != wire.StatusApplied {
		t.Errorf("the same meeting in lower case: %+v", r)
	}
}

// TestNoOpOutsideScopeRefused: sending again the value a row already holds writes nothing, but a caller who may not
// write the row is refused as when it changes the value, so the answer tells it nothing about what the row holds
// (an outsider's client could test guesses at another cell's marks). The cell's own official gets applied.
func TestNoOpOutsideScopeRefused(t *testing.T) {
	h := newHarness(t)
	member := h.members["A"][0]
	mark := func(seq int64, status string) wire.PushRequest {
		return wire.PushRequest{ClientID: uuid.NewString(), Mutations: []wire.Mutation{{Seq: seq, Table: "attendance", Op: wire.MutUpsert,
			RowID: wire.AttendanceID(h.meeting.ID, member.ID), BaseVersion: 1, Fields: fields("meeting_id", h.meeting.ID,
				"member_id", member.ID, "status", status)}}}
	}
	for _, tc := range []struct {
		user, status string
		applied      bool
	}{
		{"sec", "present", false}, // the value it holds
		{"sec", "unexcused", false},
		{"off1", "present", true},
	} {
		r := h.rawPush(tc.user, mark(1, tc.status)).Results
		switch {
		case len(r) != 1:
			t.Errorf("%s, %s: %+v", tc.user, tc.status, r)
		case tc.applied && r[0].Status != wire.StatusApplied:
			t.Errorf("%s, %s: %+v, want applied", tc.user, tc.status, r[0])
		case !tc.applied && (r[0].Status != wire.StatusRejected || (r[0].Reason != "sync.out_of_scope" && r[0].Reason != "sync.not_assigned")):
			t.Errorf("%s, %s: %+v, want refused as not the caller's to write", tc.user, tc.status, r[0])
		}
	}
}

// TestReasonOnlyForExcused: two devices change one excused mark at once, one its reason, the other the status to
// unexcused; the changes merge field by field, and the row keeps no reason, since an unexcused absence has none
// (an outsider saw "Vắng không lý do" shown with "Lý do vắng: Đi công tác").
func TestReasonOnlyForExcused(t *testing.T) {
	h := newHarness(t)
	member := h.members["A"][4] // excused, with no reason, in the harness
	id := wire.AttendanceID(h.meeting.ID, member.ID)
	var at store.Attendance
	read := func() {
		t.Helper()
		must(t, h.db.R.NewSelect().Model(&at).Where("id = ?", id).Scan(context.Background()))
	}
	read()
	base := at.Version
	for _, m := range []wire.Mutation{
		{Seq: 1, Table: "attendance", Op: wire.MutUpsert, RowID: id, BaseVersion: base, Fields: fields("reason", "Đi công tác"),
			Base: fields("reason", "")},
		{Seq: 1, Table: "attendance", Op: wire.MutUpsert, RowID: id, BaseVersion: base, Fields: fields("status", "unexcused"),
			Base: fields("status", "excused")},
	} {
		if r := h.rawPush("off1", wire.PushRequest{ClientID: uuid.NewString(), Mutations: []wire.Mutation{m}}).Results; len(r) != 1 || r[0].Status != wire.StatusApplied {
			t.Fatalf("%v: %+v", m.Fields, r)
		}
	}
	read()
	if at.Status != "unexcused" || at.Reason != "" {
		t.Errorf("the mark after both: %s, reason %q; want unexcused with no reason", at.Status, at.Reason)
	}
}

// TestPullRefusesAnotherUsersDevice: a pull leaves out the changes written from the device it names, so a pull that
// names another user's device id would silently miss that user's changes (an outsider's client, written from
// PROTOCOL.md alone, found it: the rows were missing until a checksum disagreed). It is refused 403 forbidden
// (sync.client_taken), as a push is — on a device's first sync and on its polls alike — and the user's own device
// id still pulls everything.
func TestPullRefusesAnotherUsersDevice(t *testing.T) {
	h := newHarness(t)
	writer := h.device("off1") // off1 and off2 are both assigned cell A
	pull(t, writer)
	meeting, member := uuid.NewString(), h.members["A"][0].ID
	mark := wire.AttendanceID(meeting, member)
	writer.Mutate(wire.Mutation{Table: "meetings", Op: wire.MutUpsert, RowID: meeting, Fields: fields("cell_id", h.cells["A"].ID,
		"meeting_date", h.today.String(), "status", "held", "topic", "Sinh hoạt thường kỳ")})
	writer.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: mark,
		Fields: fields("meeting_id", meeting, "member_id", member, "status", "present")})
	if st, err := writer.Push(context.Background()); err != nil || st.Applied != 2 {
		t.Fatalf("push: %v %+v", err, st)
	}
	waitCommitted(t, h.db)
	taken := writer.Local.ClientID

	// A first sync naming off1's device.
	for _, limit := range []int{10, wire.MaxPullLimit} { // a page of the snapshot alone, and one that reaches the log
		code, body := h.postStatus("/api/v1/sync/pull", "off2", wire.PullRequest{Protocol: wire.Protocol3, ClientID: taken, Limit: limit})
		if code != http.StatusForbidden || !strings.Contains(body, `"code":"forbidden"`) {
			t.Errorf("a first sync naming another user's device, limit %d: %d %.200s, want 403 forbidden", limit, code, body)
		}
	}

	// A poll naming it, from a device that is up to date but for off1's new mark.
	reader := h.device("off2")
	pull(t, reader)
	writer.Mutate(wire.Mutation{Table: "attendance", Op: wire.MutUpsert, RowID: mark,
		BaseVersion: writer.Local.Row("attendance", mark).Version, Fields: fields("meeting_id", meeting, "member_id", member,
			"status", "excused", "reason", "Ốm")})
	if st, err := writer.Push(context.Background()); err != nil || st.Applied != 1 {
		t.Fatalf("push: %v %+v", err, st)
	}
	waitCommitted(t, h.db)
	own := reader.Local.ClientID
	reader.Local.ClientID = taken
	_, err := reader.Pull(context.Background())
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusForbidden || ce.Code != "forbidden" {
		t.Errorf("a poll naming another user's device: %v, want 403 forbidden", err)
	}
	reader.Local.ClientID = own
	pull(t, reader)
	if got := reader.Local.Row("attendance", mark); got == nil || !strings.Contains(string(got.Data), `"excused"`) {
		t.Errorf("off2's own device holds %+v, want the mark excused", got)
	}
}

// TestMalformedPushSaidInTheUsersLanguage: a push the protocol's shape rules refuse (more than 500 mutations,
// seqs out of order, an unknown op…) gets 400 invalid on the field at fault, its message in Vietnamese without
// the protocol's English (an outsider's client got "Yêu cầu đồng bộ không hợp lệ: mutations: at most 500 per
// push."), in English with ?lang=en; nothing of it is processed.
func TestMalformedPushSaidInTheUsersLanguage(t *testing.T) {
	h := newHarness(t)
	del := func(seq int64) wire.Mutation {
		return wire.Mutation{Seq: seq, Table: "attendance", Op: wire.MutDelete, RowID: uuid.NewString()}
	}
	many := make([]wire.Mutation, wire.MaxPushBatch+1)
	for i := range many {
		many[i] = del(int64(i + 1))
	}
	badOp := del(2)
	badOp.Op = "replace"
	noRow := del(2)
	noRow.RowID = ""
	negative := del(1)
	negative.BaseVersion = -1
	for _, c := range []struct {
		name, client  string
		mutations     []wire.Mutation
		field, vi, en string
	}{
		{"too many", uuid.NewString(), many, "mutations", "Mỗi lần gửi tối đa 500 thay đổi", "At most 500 changes per push"},
		{"seq skipped", uuid.NewString(), []wire.Mutation{del(1), del(3)}, "mutations[1].seq", "Thay đổi thứ 2 phải mang số thứ tự ngay sau 1", "Change 2 must be numbered right after 1"},
		{"seq zero", uuid.NewString(), []wire.Mutation{del(0)}, "mutations[0].seq", "Thay đổi thứ 1 có số thứ tự nhỏ hơn 1", "Change 1 has a sequence number below 1"},
		{"unknown op", uuid.NewString(), []wire.Mutation{del(1), badOp}, "mutations[1].op", "Thay đổi thứ 2 có thao tác không hợp lệ", "Change 2 has an unknown operation"},
		{"no row id", uuid.NewString(), []wire.Mutation{del(1), noRow}, "mutations[1]", "Thay đổi thứ 2 thiếu tên bảng hoặc mã bản ghi", "Change 2 lacks its table or record id"},
		{"negative base", uuid.NewString(), []wire.Mutation{negative}, "mutations[0].base_version", "Thay đổi thứ 1 có phiên bản gốc âm", "Change 1 has a negative base version"},
		{"no device id", "", []wire.Mutation{del(1)}, "client_id", "Mã thiết bị phải có từ 1 đến 64 ký tự", "The device id must have 1 to 64 characters"},
	} {
		req := wire.PushRequest{ClientID: c.client, Mutations: c.mutations}
		for _, lang := range []struct{ query, want string }{{"", c.vi}, {"?lang=en", c.en}} {
			code, body := h.postStatus("/api/v1/sync/push"+lang.query, "off1", req)
			var e struct{ Code, Message, Field string }
			_ = json.Unmarshal([]byte(body), &e)
			if code != http.StatusBadRequest || e.Code != "invalid" || e.Field != c.field || !strings.Contains(e.Message, lang.want) {
				t.Errorf("%s%s: %d %.300s, want 400 invalid on %s saying %q", c.name, lang.query, code, body, c.field, lang.want)
			}
			if lang.query == "" {
				for _, english := range []string{"mutations", "must", "at most", "seq", "row_id"} {
					if strings.Contains(e.Message, english) {
						t.Errorf("%s: the Vietnamese message holds the protocol's English %q: %q", c.name, english, e.Message)
					}
				}
			}
		}
	}
}

// TestOwnEditsDeletedInOnePushAreNoConflict: a device that sets a mark, clears it (deletes the row) and sets it
// again before it could sync sends the three in one push, each on the version it last saw: the delete is of its own
// change, not of someone's, and records no conflict; a record added and removed the same way neither. A delete of
// a row someone else changed since the device saw it still does.
func TestOwnEditsDeletedInOnePushAreNoConflict(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	conflicts := func() int {
		n, err := h.db.R.NewSelect().Table("sync_conflicts").Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	var seen store.Attendance
	id := wire.AttendanceID(h.meeting.ID, h.members["A"][0].ID)
	if err := h.db.R.NewSelect().Model(&seen).Where("id = ?", id).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	recID := uuid.NewString()
	client := uuid.NewString()
	mut := func(seq int64, table, op, row string, base int64, kv ...any) wire.Mutation {
		m := wire.Mutation{Seq: seq, Table: table, Op: op, RowID: row, BaseVersion: base}
		if op == wire.MutUpsert {
			m.Fields = fields(kv...)
		}
		return m
	}
	set := "present" // a change: the mark the meeting holds is another
	if seen.Status == "present" {
		set = "unexcused"
	}
	resp := h.rawPush("off1", wire.PushRequest{ClientID: client, Mutations: []wire.Mutation{
		mut(1, "attendance", wire.MutUpsert, id, seen.Version, "status", set),
		mut(2, "attendance", wire.MutDelete, id, seen.Version),
		mut(3, "attendance", wire.MutUpsert, id, 0, "meeting_id", h.meeting.ID, "member_id", h.members["A"][0].ID, "status", "unexcused"),
		mut(4, "recommendations", wire.MutUpsert, recID, 0, "cell_id", h.cells["A"].ID, "content", "Đề nghị sửa cầu"),
		mut(5, "recommendations", wire.MutDelete, recID, 0),
	}})
	for i, r := range resp.Results {
		if r.Status != wire.StatusApplied || len(r.Conflicts) > 0 {
			t.Errorf("mutation %d: %s, conflicts %v; want applied without a conflict", i+1, r.Status, r.Conflicts)
		}
	}
	if n := conflicts(); n != 0 {
		t.Errorf("%d conflicts recorded for a device's own edits", n)
	}

	// Someone else changes a mark the device saw; the device, not knowing, deletes it: a conflict.
	other := wire.AttendanceID(h.meeting.ID, h.members["A"][1].ID)
	var was store.Attendance
	if err := h.db.R.NewSelect().Model(&was).Where("id = ?", other).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	h.rawPush("off2", wire.PushRequest{ClientID: uuid.NewString(), Mutations: []wire.Mutation{
		mut(1, "attendance", wire.MutUpsert, other, was.Version, "status", "excused", "reason", "Ốm")}})
	resp = h.rawPush("off1", wire.PushRequest{ClientID: client, Mutations: []wire.Mutation{
		mut(6, "attendance", wire.MutUpsert, id, resp.Results[2].Version, "status", "present"),
		mut(7, "attendance", wire.MutDelete, other, was.Version),
	}})
	if r := resp.Results[1]; r.Status != wire.StatusApplied || !slices.Equal(r.Conflicts, []string{"*"}) {
		t.Errorf("deleting a mark someone changed since: %s, conflicts %v; want applied with a conflict on *", r.Status, r.Conflicts)
	}
	if n := conflicts(); n != 1 {
		t.Errorf("%d conflicts recorded, want 1", n)
	}
}
