// The administrators' party organisations screen (#/admin/org/...): the organisation tree, browsed level by level
// (children a page at a time) or searched; creating, renaming, moving, opening and closing units with dates; the
// 2025 reform's merges and splits, each previewed (the server works it out and undoes it) and confirmed; each unit's
// predecessors and successors as links. Supervisors read it; only an administrator of the unit changes it. rest is
// the part of the route after "#/admin/org/": empty (the top of the caller's tree) or a unit's id.
import { useState, useEffect } from 'preact/hooks';
import { t, vnDate, lang } from '../i18n.js';
import { online } from '../state.js';
import { me, today } from '../data.js';
import { api } from '../sync.js';
import { usePaged } from '../paged.js';
import { canAdmin } from './admin.jsx';
import { CellPositionAdmin } from '../proof/adminpos.jsx';

const call = (method, path, body) => api(method, path, body, lang.value);
const errText = (e) => (e.offline ? t('ad_offline') : e.message);
const usePage = (path) => usePaged((url) => (path ? call('GET', url) : Promise.resolve({ items: [], next_cursor: '' })), path, errText, true);

// KINDS is the hierarchy, top down; a unit sits under any kind above it (a party group only under a cell).
const KINDS = ['province', 'district', 'commune', 'grassroots', 'cell', 'party_group'];
const childKinds = (kind) => (kind === 'cell' ? ['party_group'] : kind === 'party_group' ? [] : KINDS.slice(KINDS.indexOf(kind) + 1, 5));
const kindName = (k) => t('og_kind_' + k);
const isClosed = (u) => !!u.closed_on && u.closed_on < today();
const link = (id) => '#/admin/org/' + id;

function More({ p }) {
  return p.next ? <button class="btn small ghost" type="button" onClick={p.more}>{t('more')}</button> : null;
}

// Dates is a unit's opening and closing days in words.
function Dates({ u }) {
  if (!u.opened_on && !u.closed_on) return null;
  return (
    <>
      {u.opened_on && t('og_opened_on', { date: vnDate(u.opened_on) })}
      {u.opened_on && u.closed_on && ' · '}
      {u.closed_on && t('og_closed_on', { date: vnDate(u.closed_on) })}
    </>
  );
}

export function Org({ rest }) {
  const id = rest[0] || '';
  return id ? <Unit key={id} id={id} /> : <Top />;
}

// Top is the start of the tree: the provinces (for an administrator of everything), else the units of the caller's
// grants; and the search over the whole tree the caller reads.
function Top() {
  const { roots, start } = useStartUnits();
  return (
    <>
      <h1 class="title">{t('ad_org')}</h1>
      <Search />
      <section aria-labelledby="og-top">
        <h2 id="og-top">{t('og_top')}</h2>
        {roots.error && <p class="error" role="alert">{roots.error}</p>}
        <UnitList items={start} />
        <More p={roots} />
      </section>
      {canAdmin() && <Create parent={null} done={() => roots.reload()} />}
    </>
  );
}

// useStartUnits lists where the caller's tree starts: the provinces (an administrator of everything), else the
// units of the caller's administrator and supervisor grants.
export function useStartUnits() {
  const roots = usePage('/api/v1/org-units?roots=true&limit=50');
  const [granted, setGranted] = useState([]);
  useEffect(() => {
    if (!roots.loaded || roots.items.length) return;
    const ids = [...new Set((me()?.grants || []).filter((g) => (g.role === 'admin' || g.role === 'supervisor') && g.org_unit_id).map((g) => g.org_unit_id))];
    Promise.all(ids.map((x) => call('GET', '/api/v1/org-units/' + x).catch(() => null))).then((us) => setGranted(us.filter(Boolean)));
  }, [roots.loaded, roots.items.length]);
  return { roots, start: roots.items.length ? roots.items : granted };
}

// Search finds units by name or code anywhere in the caller's tree, ignoring diacritics ("hoa binh" finds
// "Hòa Bình"), a moment after the last keystroke.
function Search() {
  const [q, setQ] = useState('');
  const [asked, setAsked] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setAsked(q.trim()), 250);
    return () => clearTimeout(timer);
  }, [q]);
  const found = usePage(asked.length >= 2 ? '/api/v1/org-units?limit=20&q=' + encodeURIComponent(asked) : '');
  return (
    <form role="search" class="card" onSubmit={(e) => (e.preventDefault(), setAsked(q.trim()))}>
      <label for="og-q">{t('og_search')}</label>
      <input id="og-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} autocomplete="off" />
      <div aria-live="polite">
        {asked.length >= 2 && found.loaded && !found.items.length && !found.error && <p class="muted">{t('og_none_found')}</p>}
        {found.error && <p class="error" role="alert">{found.error}</p>}
        {asked.length >= 2 && <UnitList items={found.items} />}
        {asked.length >= 2 && <More p={found} />}
      </div>
    </form>
  );
}

// UnitList lists units as links, with their kind and dates; pick (when given) puts a checkbox before each.
function UnitList({ items, picked, pick }) {
  if (!items.length) return null;
  return (
    <ul class="cards">
      {items.map((u) => (
        <li key={u.id} class="card" style={{ display: 'flex', gap: '0.75rem', alignItems: 'flex-start' }}>
          {pick && !isClosed(u) && (
            <input type="checkbox" style={{ width: '1.75rem', height: '1.75rem', flex: 'none' }} aria-label={t('og_pick', { name: u.name })} checked={picked.has(u.id)}
              onChange={(e) => pick(u, e.currentTarget.checked)} />
          )}
          <span>
            <a href={link(u.id)}><strong>{u.name}</strong></a>
            <br />
            <small class="muted">
              {kindName(u.kind)}
              {u.code && ' · ' + u.code}
              {' '}
              <Dates u={u} />
            </small>
            {isClosed(u) && <span class="pill">{t('og_closed')}</span>}
          </span>
        </li>
      ))}
    </ul>
  );
}

// Lineage shows the units a unit came from and went into, as links.
function Lineage({ d }) {
  const row = (l, key) => (
    <li key={l.id}>
      <a href={link(l.id)}>{l.name}</a> <small class="muted">{t(key + l.kind, { date: vnDate(l.on) })}</small>
    </li>
  );
  return (
    <>
      {d.predecessors.length > 0 && (
        <section aria-labelledby="og-preds">
          <h2 id="og-preds">{t('og_predecessors')}</h2>
          <ul>{d.predecessors.map((l) => row(l, 'og_from_'))}</ul>
        </section>
      )}
      {d.successors.length > 0 && (
        <section aria-labelledby="og-succs">
          <h2 id="og-succs">{t('og_successors')}</h2>
          <ul>{d.successors.map((l) => row(l, 'og_into_'))}</ul>
        </section>
      )}
    </>
  );
}

// Unit is one unit: where it sits, its dates, its lineage, its children a page at a time, and what an administrator
// does to it.
function Unit({ id }) {
  const [d, setD] = useState(null);
  const [err, setErr] = useState('');
  const load = () => call('GET', '/api/v1/org-units/' + id).then((x) => (setD(x), setErr('')), (e) => setErr(errText(e)));
  useEffect(() => {
    load();
  }, [id]);
  const kids = usePage(d && d.kind !== 'party_group' ? '/api/v1/org-units?limit=50&parent_id=' + id : '');
  const [picked, setPicked] = useState(new Map());
  const [open, setOpen] = useState('');
  if (err) return <p class="error" role="alert">{err}</p>;
  if (!d) return <p class="muted" role="status">{t('og_loading')}</p>;
  const admin = canAdmin();
  const refresh = () => (load(), kids.reload());
  const toggle = (name) => setOpen(open === name ? '' : name);
  const pick = (u, on) => {
    const m = new Map(picked);
    if (on) m.set(u.id, u);
    else m.delete(u.id);
    setPicked(m);
  };
  return (
    <>
      <nav aria-label={t('og_trail')}>
        <p class="trail">
          <a href="#/admin/org">{t('ad_org')}</a>
          {d.ancestors.map((a) => (
            <span key={a.id}> › <a href={link(a.id)}>{a.name}</a></span>
          ))}
        </p>
      </nav>
      <h1 class="title">{d.name}</h1>
      <p class="muted">
        {kindName(d.kind)}
        {d.code && ' · ' + t('og_code_is', { code: d.code })}
        {' '}
        <Dates u={d} />
        {isClosed(d) && <span class="pill">{t('og_closed')}</span>}
      </p>
      {d.address && <p class="muted">{d.address}</p>}
      <Lineage d={d} />
      {admin && (
        <div class="actions-row">
          <button class="btn small" type="button" aria-expanded={open === 'edit'} onClick={() => toggle('edit')}>{t('og_edit')}</button>
          {d.parent_id && <button class="btn small" type="button" aria-expanded={open === 'move'} onClick={() => toggle('move')}>{t('og_move')}</button>}
          {childKinds(d.kind).length > 0 && !isClosed(d) && (
            <button class="btn small" type="button" aria-expanded={open === 'create'} onClick={() => toggle('create')}>{t('og_add_child')}</button>
          )}
          {d.parent_id && !d.closed_on && (
            <button class="btn small" type="button" aria-expanded={open === 'split'} onClick={() => toggle('split')}>{t('og_split')}</button>
          )}
        </div>
      )}
      {admin && open === 'edit' && <Edit u={d} done={() => (setOpen(''), refresh())} />}
      {admin && open === 'move' && <Move u={d} done={() => (setOpen(''), refresh())} />}
      {admin && open === 'create' && <Create parent={d} done={() => (setOpen(''), kids.reload())} />}
      {admin && open === 'split' && <Split u={d} done={() => (setOpen(''), refresh())} />}
      {d.kind === 'cell' && <CellPositionAdmin cell={d} admin={admin} />}
      {d.kind !== 'party_group' && (
        <section aria-labelledby="og-kids">
          <h2 id="og-kids">{t('og_children')}</h2>
          {kids.error && <p class="error" role="alert">{kids.error}</p>}
          {kids.loaded && !kids.items.length && !kids.error && <p class="muted">{t('og_no_children')}</p>}
          {admin && kids.items.length > 1 && <p class="muted">{t('og_pick_hint')}</p>}
          <UnitList items={kids.items} picked={picked} pick={admin ? pick : null} />
          <More p={kids} />
        </section>
      )}
      {admin && picked.size > 0 && (
        <Merge parent={d} picked={[...picked.values()]} others={kids.items.filter((u) => !picked.has(u.id) && !isClosed(u))}
          done={(succ) => (setPicked(new Map()), (location.hash = link(succ.id)))} />
      )}
    </>
  );
}

// useRun runs a form's call, keeping whether it is busy and its error or outcome (shown by Outcome).
function useRun() {
  const [st, set] = useState({ busy: false, error: '', ok: '' });
  const run = async (fn) => {
    set({ busy: true, error: '', ok: '' });
    try {
      const ok = await fn();
      set({ busy: false, error: '', ok: ok || '' });
    } catch (e) {
      set({ busy: false, error: errText(e), ok: '' });
    }
  };
  const Outcome = () => (
    <>
      {st.error && <p class="error" role="alert">{st.error}</p>}
      {st.ok && <p class="ok" role="status">✓ {st.ok}</p>}
    </>
  );
  return { ...st, run, Outcome };
}

// Edit renames a unit and sets its code, address and dates (a closing day closes it).
function Edit({ u, done }) {
  const [f, setF] = useState({ name: u.name, code: u.code || '', address: u.address || '', opened_on: u.opened_on || '', closed_on: u.closed_on || '' });
  const r = useRun();
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const submit = (e) => {
    e.preventDefault();
    r.run(async () => {
      await call('PATCH', '/api/v1/org-units/' + u.id, { name: f.name, code: f.code, address: f.address, opened_on: f.opened_on || null, closed_on: f.closed_on || null });
      done();
    });
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="og-edit-h">
      <h2 id="og-edit-h">{t('og_edit')}</h2>
      <label for="og-name">{t('og_name')}</label>
      <input id="og-name" required value={f.name} onInput={set('name')} />
      <label for="og-code">{t('og_code')}</label>
      <input id="og-code" value={f.code} onInput={set('code')} />
      <label for="og-address">{t('og_address')}</label>
      <input id="og-address" value={f.address} onInput={set('address')} />
      <label for="og-opened">{t('og_opened')}</label>
      <input id="og-opened" type="date" value={f.opened_on} onInput={set('opened_on')} />
      <label for="og-closed">{t('og_closed_label')}</label>
      <input id="og-closed" type="date" value={f.closed_on} onInput={set('closed_on')} aria-describedby="og-closed-help" />
      <small id="og-closed-help" class="muted">{t('og_closed_help')}</small>
      <r.Outcome />
      <button class="btn primary wide" type="submit" disabled={r.busy || !online.value}>{t('og_save')}</button>
    </form>
  );
}

// UnitSearch picks one unit found by name (units above the cells, or of one kind).
export function UnitSearch({ id, label, query, onPick, skip }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState([]);
  useEffect(() => {
    const text = q.trim();
    if (text.length < 2) return setFound([]);
    let live = true;
    const timer = setTimeout(() => {
      call('GET', '/api/v1/org-units?limit=10&' + query + '&q=' + encodeURIComponent(text)).then(
        (r) => live && setFound(r.items.filter((u) => !isClosed(u) && !(skip && skip(u)))), () => live && setFound([]));
    }, 250);
    return () => ((live = false), clearTimeout(timer));
  }, [q]);
  return (
    <>
      <label for={id}>{label}</label>
      <input id={id} type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} autocomplete="off" />
      <div aria-live="polite">
        {found.map((u) => (
          <button key={u.id} type="button" class="btn small ghost" onClick={() => (onPick(u), setQ(''))}>
            {u.name} <small class="muted">({kindName(u.kind)})</small>
          </button>
        ))}
      </div>
    </>
  );
}

// Move puts a unit, with everything under it, under another parent.
function Move({ u, done }) {
  const [dest, setDest] = useState(null);
  const r = useRun();
  const submit = (e) => {
    e.preventDefault();
    if (!dest) return;
    r.run(async () => {
      await call('PATCH', '/api/v1/org-units/' + u.id, { parent_id: dest.id });
      done();
    });
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="og-move-h">
      <h2 id="og-move-h">{t('og_move')}</h2>
      <UnitSearch id="og-dest" label={t('og_move_to')} query="upper=true" onPick={setDest} skip={(x) => x.id === u.id} />
      {dest && <p role="status">{t('og_move_confirm', { name: u.name, dest: dest.name })}</p>}
      <r.Outcome />
      <button class="btn primary wide" type="submit" disabled={!dest || r.busy || !online.value}>{t('og_move_do')}</button>
    </form>
  );
}

// Create adds a unit under parent (a province at the top when parent is null).
function Create({ parent, done }) {
  const kinds = parent ? childKinds(parent.kind) : ['province'];
  const [f, setF] = useState({ name: '', code: '', kind: kinds[kinds.includes('cell') ? kinds.indexOf('cell') : 0], opened_on: '' });
  const r = useRun();
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const submit = (e) => {
    e.preventDefault();
    r.run(async () => {
      const u = await call('POST', '/api/v1/org-units', { parent_id: parent ? parent.id : null, kind: f.kind, name: f.name, code: f.code,
        opened_on: f.opened_on || null });
      setF({ ...f, name: '', code: '' });
      done(u);
      return t('og_created', { name: u.name });
    });
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="og-create-h">
      <h2 id="og-create-h">{parent ? t('og_add_child') : t('og_add_province')}</h2>
      {kinds.length > 1 && (
        <>
          <label for="og-new-kind">{t('og_kind')}</label>
          <select id="og-new-kind" value={f.kind} onChange={set('kind')}>
            {kinds.map((k) => <option key={k} value={k}>{kindName(k)}</option>)}
          </select>
        </>
      )}
      <label for="og-new-name">{t('og_name')}</label>
      <input id="og-new-name" required value={f.name} onInput={set('name')} />
      <label for="og-new-code">{t('og_code')}</label>
      <input id="og-new-code" value={f.code} onInput={set('code')} />
      <label for="og-new-opened">{t('og_opened')}</label>
      <input id="og-new-opened" type="date" value={f.opened_on} onInput={set('opened_on')} />
      <r.Outcome />
      <button class="btn primary wide" type="submit" disabled={r.busy || !online.value}>{t('og_create')}</button>
    </form>
  );
}

// carriedText says what a merge or split moves, from the server's dry run.
function carriedText(c) {
  const parts = [];
  for (const k of ['members', 'recommendations', 'assignments', 'units', 'users']) if (c[k]) parts.push(t('og_n_' + k, { n: c[k] }));
  return parts.length ? parts.join(', ') : t('og_nothing_moves');
}

// Merge merges the picked children into a new unit or into another child, on a day: a preview from the server
// (a dry run), then the confirmation that says what moves.
function Merge({ parent, picked, others, done }) {
  const [f, setF] = useState({ target: 'new', name: '', into: '', on: today() });
  const [preview, setPreview] = useState(null);
  const r = useRun();
  const body = (dry) => ({ into: f.target === 'new' ? { name: f.name, parent_id: parent.id } : { id: f.into }, from: picked.map((u) => u.id),
    on: f.on, dry_run: dry });
  const set = (k) => (e) => (setF({ ...f, [k]: e.currentTarget.value }), setPreview(null));
  const ask = (e) => {
    e.preventDefault();
    r.run(async () => setPreview(await call('POST', '/api/v1/org-units/merge', body(true))));
  };
  const confirm = () => r.run(async () => {
    const res = await call('POST', '/api/v1/org-units/merge', body(false));
    done(res.successor);
  });
  return (
    <form class="card" onSubmit={ask} aria-labelledby="og-merge-h">
      <h2 id="og-merge-h">{t('og_merge')}</h2>
      <p>{t('og_merge_picked', { names: picked.map((u) => u.name).join(', ') })}</p>
      <fieldset>
        <legend>{t('og_merge_into')}</legend>
        <label class="radio">
          <input type="radio" name="og-target" checked={f.target === 'new'} onChange={() => (setF({ ...f, target: 'new' }), setPreview(null))} />
          {t('og_merge_new')}
        </label>
        <label class="radio">
          <input type="radio" name="og-target" checked={f.target === 'existing'} disabled={!others.length}
            onChange={() => (setF({ ...f, target: 'existing', into: f.into || others[0]?.id || '' }), setPreview(null))} />
          {t('og_merge_existing')}
        </label>
      </fieldset>
      {f.target === 'new' ? (
        <>
          <label for="og-merge-name">{t('og_merge_name')}</label>
          <input id="og-merge-name" required value={f.name} onInput={set('name')} />
        </>
      ) : (
        <>
          <label for="og-merge-into">{t('og_merge_existing_pick')}</label>
          <select id="og-merge-into" value={f.into} onChange={set('into')}>
            {others.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
          </select>
        </>
      )}
      <label for="og-merge-on">{t('og_on')}</label>
      <input id="og-merge-on" type="date" required value={f.on} onInput={set('on')} aria-describedby="og-on-help" />
      <small id="og-on-help" class="muted">{t('og_on_help')}</small>
      <r.Outcome />
      {!preview && <button class="btn primary wide" type="submit" disabled={r.busy || !online.value}>{t('og_preview')}</button>}
      {preview && (
        <div class="notice" role="status">
          <p>
            {t('og_merge_confirm', {
              names: preview.predecessors.map((u) => u.name).join(', '), into: preview.successor.name,
              moves: carriedText(preview.carried), date: vnDate(f.on),
              closed: vnDate(preview.predecessors[0].closed_on),
            })}
          </p>
          {preview.carried.meetings > 0 && <p>{t('og_meetings_stay', { n: preview.carried.meetings })}</p>}
          <button class="btn primary wide" type="button" onClick={confirm} disabled={r.busy || !online.value}>{t('og_merge_do')}</button>
          <button class="btn ghost wide" type="button" onClick={() => setPreview(null)}>{t('og_cancel')}</button>
        </div>
      )}
    </form>
  );
}

// Split shares a unit's members (of a cell) or units (above the cells) among new parts, on a day, after a preview.
function Split({ u, done }) {
  const cell = u.kind === 'cell';
  const list = usePage(cell ? '/api/v1/members?limit=500&cell_id=' + u.id : '/api/v1/org-units?limit=500&parent_id=' + u.id);
  const [names, setNames] = useState(['', '']);
  const [part, setPart] = useState({}); // id → part index
  const [on, setOn] = useState(today());
  const [preview, setPreview] = useState(null);
  const r = useRun();
  const parts = () => names.map((name, i) => {
    const ids = list.items.filter((x) => (part[x.id] || 0) === i).map((x) => x.id);
    return cell ? { name, member_ids: ids } : { name, unit_ids: ids };
  });
  const body = (dry) => ({ on, parts: parts(), dry_run: dry });
  const ask = (e) => {
    e.preventDefault();
    r.run(async () => setPreview(await call('POST', '/api/v1/org-units/' + u.id + '/split', body(true))));
  };
  const confirm = () => r.run(async () => {
    await call('POST', '/api/v1/org-units/' + u.id + '/split', body(false));
    done();
  });
  const change = (fn) => (fn(), setPreview(null));
  return (
    <form class="card" onSubmit={ask} aria-labelledby="og-split-h">
      <h2 id="og-split-h">{t('og_split')}</h2>
      {names.map((n, i) => (
        <div key={i}>
          <label for={'og-part-' + i}>{t('og_part_name', { n: i + 1 })}</label>
          <input id={'og-part-' + i} required value={n} onInput={(e) => change(() => setNames(names.map((x, j) => (j === i ? e.currentTarget.value : x))))} />
        </div>
      ))}
      <button class="btn small ghost" type="button" onClick={() => change(() => setNames([...names, '']))}>{t('og_part_add')}</button>
      <fieldset>
        <legend>{cell ? t('og_split_members') : t('og_split_units')}</legend>
        {list.error && <p class="error" role="alert">{list.error}</p>}
        {list.items.map((x) => (
          <div key={x.id}>
            <label for={'og-sp-' + x.id}>{x.full_name || x.name}</label>
            <select id={'og-sp-' + x.id} value={part[x.id] || 0} onChange={(e) => change(() => setPart({ ...part, [x.id]: Number(e.currentTarget.value) }))}>
              {names.map((n, i) => <option key={i} value={i}>{n || t('og_part_name', { n: i + 1 })}</option>)}
            </select>
          </div>
        ))}
      </fieldset>
      <label for="og-split-on">{t('og_on')}</label>
      <input id="og-split-on" type="date" required value={on} onInput={(e) => change(() => setOn(e.currentTarget.value))} />
      <r.Outcome />
      {!preview && <button class="btn primary wide" type="submit" disabled={r.busy || !online.value}>{t('og_preview')}</button>}
      {preview && (
        <div class="notice" role="status">
          <p>
            {t('og_split_confirm', { name: u.name, parts: preview.parts.map((p) => p.name).join(', '), moves: carriedText(preview.carried),
              date: vnDate(on), closed: vnDate(preview.predecessor.closed_on) })}
          </p>
          <button class="btn primary wide" type="button" onClick={confirm} disabled={r.busy || !online.value}>{t('og_split_do')}</button>
          <button class="btn ghost wide" type="button" onClick={() => setPreview(null)}>{t('og_cancel')}</button>
        </div>
      )}
    </form>
  );
}
