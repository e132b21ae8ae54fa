// The messages of the monthly report's table of the commune's other meetings: briefings (giao ban), dialogues and
// expanded party committee meetings (Vietnamese first, English second).
export const vi = {
  rf_title: 'Giao ban, đối thoại, hội nghị Đảng ủy mở rộng',
  rf_table: 'Giao ban bí thư chi bộ, đối thoại và hội nghị Đảng ủy mở rộng tháng {month}',
  rf_commune: 'Đảng bộ xã, phường',
  rf_briefings: 'Giao ban đã tổ chức',
  rf_reported: 'Chi bộ báo cáo tại giao ban',
  rf_dialogues: 'Đối thoại',
  rf_committee: 'Hội nghị Đảng ủy mở rộng',
  rf_attended: 'Có cán bộ tỉnh được phân công dự',
  rf_line: 'giao ban {b}/{be} · chi bộ báo cáo {r}/{c} · đối thoại {d} · hội nghị Đảng ủy mở rộng {h}, cán bộ tỉnh dự {a}',
  rf_tally: 'hội nghị Đảng ủy mở rộng dự {a}/{e}',
};
export const en = {
  rf_title: 'Briefings, dialogues, expanded committee meetings',
  rf_table: 'Secretaries\' briefings, dialogues and expanded committee meetings, {month}',
  rf_commune: 'Commune',
  rf_briefings: 'Briefings held',
  rf_reported: 'Cells reported at briefings',
  rf_dialogues: 'Dialogues',
  rf_committee: 'Expanded committee meetings',
  rf_attended: 'Attended by the assigned official',
  rf_line: 'briefings {b}/{be} · cells reported {r}/{c} · dialogues {d} · expanded committee meetings {h}, attended by the provincial official {a}',
  rf_tally: 'expanded committee meetings attended {a}/{e}',
};
