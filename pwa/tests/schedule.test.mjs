// A regular meeting the device starts for a cell's month takes the scheduled id (pwa/src/uuid.js), the same the
// server plans that month's meeting under (sync/wire.ScheduledMeetingID): the two are one row, never two meetings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, today } from './helpers.mjs';
import { scheduledMeetingId } from '../src/uuid.js';

test('the device computes the id the server plans a month\'s meeting under', async () => {
  const { call } = await client('canbo');
  let planned = [];
  for (const end = Date.now() + 30000; !planned.length && Date.now() < end; await new Promise((r) => setTimeout(r, 500))) {
    const r = await call('GET', '/api/v1/meetings?status=planned&limit=100&from=' + today());
    // The planner's meetings (name-based ids, version 5); the demo's own were made with random ids.
    planned = r.body.items.filter((m) => m.type === 'regular' && m.id[14] === '5');
  }
  assert.ok(planned.length > 0, 'the server planned meetings');
  for (const m of planned) assert.equal(scheduledMeetingId(m.cell_id, m.meeting_date.slice(0, 7)), m.id, `${m.cell_name} ${m.meeting_date}`);
});
