// The printed biên bản's list of attachments: the meeting's photos by kind, with their count and captions, from the
// device's rows (it prints offline, like the rest of the paper).
import { t, extend } from '../i18n.js';
import { list } from '../state.js';
import * as msgs from './photos.msg.js';

extend(msgs);

const KINDS = ['attendance_sheet', 'minutes_page', 'material', 'other'];

export function Attachments({ meeting }) {
  const files = list('meeting_files').filter((f) => f.meeting_id === meeting.id);
  if (!files.length) return null;
  return (
    <section class="pm-attach">
      <h2>{t('ph_paper_title')}</h2>
      {KINDS.map((k) => {
        const of = files.filter((f) => f.kind === k);
        if (!of.length) return null;
        const captions = of.map((f) => f.caption).filter(Boolean);
        return <p key={k}>- {t('ph_paper_line', { kind: t('ph_kind_' + k), n: of.length })}{captions.length ? ' (' + captions.join('; ') + ')' : ''}.</p>;
      })}
    </section>
  );
}
