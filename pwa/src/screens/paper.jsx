// The printable biên bản sinh hoạt chi bộ: A4, in the party's document layout (the unit above and the cell with the
// number on the left, ĐẢNG CỘNG SẢN VIỆT NAM and the place and date line in italics on the right, the title, the
// header, the template's items, the closing and the signatures of the minute-taker and the chair). Hidden on screen;
// printing the minutes tab prints only it (style.css, @media print). Everything comes from the device, so it prints
// offline.
import { t, lang, vnDate } from '../i18n.js';
import { get } from '../state.js';
import * as data from '../data.js';
import { Attachments } from '../photos/attach.jsx';
import { Photos } from '../photos/photos.jsx';

// place is a unit's place name for the date line: "Đảng bộ xã Triệu Phong" gives "Triệu Phong".
export function place(name) {
  let n = name || '';
  for (const p of ['Đảng bộ ', 'Chi bộ ', 'Đảng ủy ', 'xã ', 'phường ', 'thị trấn ', 'huyện ', 'thị xã ', 'thành phố ', 'tỉnh ', 'thôn ', 'khu phố ']) {
    if (n.length > p.length && n.slice(0, p.length).toLowerCase() === p.toLowerCase()) n = n.slice(p.length);
  }
  return n;
}

// higherName is the name of the unit above a cell: from the device's units, else from the user's grants.
function higherName(cell) {
  if (!cell?.parent_id) return '';
  return get('org_units', cell.parent_id)?.name || data.me()?.grants?.find((g) => g.org_unit_id === cell.parent_id)?.org_unit_name || '';
}

const clock = (ts) => {
  const x = new Date(Date.parse(ts) + 7 * 3600e3).toISOString();
  return t('pm_clock', { h: x.slice(11, 13), m: x.slice(14, 16) });
};

// MinutesPaper is what the minutes tab loads after its fields (screens/minutes.jsx): the meeting's photos of the
// signed sheet and the minutes book (src/photos, on screen, not printed), and the paper (printed, not on screen).
// The photos come in this chunk so that the officials' route carries no line of them.
export function MinutesPaper({ meeting }) {
  return (
    <>
      <Photos meeting={meeting} locked={data.reportLocked(meeting.id)} />
      <Paper meeting={meeting} />
    </>
  );
}

function Paper({ meeting }) {
  const cell = get('org_units', meeting.cell_id);
  const higher = higherName(cell);
  const [y, mo, d] = meeting.meeting_date.split('-');
  const f = data.figures(meeting);
  const total = meeting.members_total ?? f.members;
  const exempt = meeting.members_exempt ?? f.exempt;
  const doc = data.minutesOf(meeting);
  const items = data.notesOf(meeting);
  const prev = data.previousMeeting(meeting);
  const prevTasks = prev ? data.tasksOf(prev) : [];
  const topic = (meeting.topic || '').replace(/^Sinh hoạt chuyên đề:\s*/, '');
  const lines = (s) => (s || '').split('\n').map((x) => x.trim()).filter(Boolean);
  return (
    <article class="paper-minutes" lang={lang.value}>
      <table class="pm-head" role="presentation">
        <tbody>
          <tr>
            <td class="pm-unit">
              <div>{higher ? higher.toUpperCase() : '…'}</div>
              <div class="b">{(cell?.name || '').toUpperCase()}</div>
              <div>*</div>
              <div>{t('pm_number')}</div>
            </td>
            <td class="pm-party">
              <div class="b u">{t('pm_party')}</div>
              <div class="i pm-date">{t('pm_date_line', { place: place(higher || cell?.name), d, m: mo, y })}</div>
            </td>
          </tr>
        </tbody>
      </table>
      <h1 class="pm-title">{t('pm_title')}</h1>
      <p class="pm-sub">{meeting.type === 'thematic' ? t('pm_thematic', { topic }) : meeting.type === 'extraordinary'
        ? t('pm_extraordinary', { date: vnDate(meeting.meeting_date) }) : t('pm_regular', { month: `${mo}/${y}` })}</p>

      <h2>{t('pm_part_header')}</h2>
      <p>- {meeting.starts_at ? t('pm_time', { time: clock(meeting.starts_at), date: vnDate(meeting.meeting_date) }) : t('pm_time_unknown', { date: vnDate(meeting.meeting_date) })}</p>
      {meeting.place && <p>- {t('pm_place', { place: meeting.place })}</p>}
      {meeting.chair_name && <p>- {t('pm_chair', { name: meeting.chair_name })}</p>}
      {meeting.secretary_name && <p>- {t('pm_secretary', { name: meeting.secretary_name })}</p>}
      <p>- {t('pm_members', { total, exempt, present: f.present, absent: f.excused + f.unexcused, excused: f.excused, unexcused: f.unexcused })}</p>
      {doc.guests.filter((g) => g.name).map((g, i) => (
        <p key={i}>- {t(g.higher ? 'pm_higher' : 'pm_guest', { name: g.name, post: g.post ? ', ' + g.post : '' })}</p>
      ))}

      <h2>{t('pm_part_body')}</h2>
      {items.map((it, i) => {
        const body = [];
        if (it.kind === 'review' && prevTasks.length) {
          body.push(<p key="pt">{t('pm_prev_tasks')}</p>);
          for (const x of prevTasks) {
            const st = it.done?.[x.id] === true ? t('pm_done') : it.done?.[x.id] === false ? t('pm_not_done') : t('pm_unticked');
            body.push(<p key={'pt' + x.id}>- {x.what}: {st}.</p>);
          }
        }
        lines(it.text).forEach((l, k) => body.push(<p key={'t' + k}>{l}</p>));
        (it.speeches || []).filter((s) => s.name).forEach((s, k) => body.push(<p key={'s' + k}>- {t('pm_speech', { name: s.name, text: s.text || '' })}</p>));
        const tasks = (it.tasks || []).filter((x) => x.what);
        if (tasks.length) {
          body.push(<p key="tk">{t('pm_tasks')}</p>);
          tasks.forEach((x) => body.push(<p key={'tk' + x.id}>- {t('pm_task', { what: x.what, who: x.who || '…', due: x.due ? vnDate(x.due) : '…' })}</p>));
        }
        if (it.vote?.for != null) body.push(<p key="v">{t('pm_vote', { for: it.vote.for, against: it.vote.against ?? 0, present: f.present })}</p>);
        return (
          <section key={it.key} class="pm-item">
            <h3>{i + 1}. {it.label}</h3>
            {body.length ? body : <p>{t('pm_empty')}</p>}
          </section>
        );
      })}

      <h2>{t('pm_part_end')}</h2>
      <p>{meeting.ends_at ? t('pm_ended', { time: clock(meeting.ends_at) }) : t('pm_ended_unknown')}</p>
      <Attachments meeting={meeting} />
      <table class="pm-sign" role="presentation">
        <tbody>
          <tr>
            <td>
              <div class="b">{t('pm_sign_secretary')}</div>
              <div class="i">{t('pm_sign_hint')}</div>
              <div class="pm-space" />
              <div class="b">{meeting.secretary_name}</div>
            </td>
            <td>
              <div class="b">{t('pm_sign_chair')}</div>
              <div class="i">{t('pm_sign_hint')}</div>
              <div class="pm-space" />
              <div class="b">{meeting.chair_name}</div>
            </td>
          </tr>
        </tbody>
      </table>
    </article>
  );
}
