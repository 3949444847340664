// SPDX-License-Identifier: Apache-2.0
//
// The shadowsync console's page (docs/console.md): plain JavaScript, no
// build step, nothing from the internet. Routes live in the URL's fragment
// (#/things/T/shadow/S), so every page can be bookmarked. The server pushes
// changes over one WebSocket (/ws); the page never polls.
'use strict';

const state = {
  things: new Map(),       // name -> row from /api/things
  ws: null,
  wsRetry: 500,
  route: null,             // the current route object
  shadow: null,            // the shadow page's state
  mqtt: { filters: new Set(), confirmed: new Set(), log: [] },
  info: null,
};

// ---------------------------------------------------------------- helpers
const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (method !== 'GET') init.headers['X-Shadowsync-Console'] = '1';
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
  return { status: response.status, json, text };
}

function age(ms) {
  if (!ms) return '—';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return s + ' s ago';
  if (s < 3600) return Math.floor(s / 60) + ' min ago';
  if (s < 86400) return Math.floor(s / 3600) + ' h ago';
  return Math.floor(s / 86400) + ' d ago';
}

function shadowQuery(thing, shadow) {
  return 'thing=' + encodeURIComponent(thing) + '&name=' + encodeURIComponent(shadow || '');
}

function shadowHref(thing, shadow) {
  return '#/things/' + encodeURIComponent(thing) + '/shadow' +
         (shadow ? '/' + encodeURIComponent(shadow) : '');
}

function shadowLabel(shadow) { return shadow ? shadow : 'Classic Shadow'; }

function sparkline(values) {
  const w = 120, h = 24;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('width', w);
  svg.setAttribute('height', h);
  svg.setAttribute('class', 'spark');
  svg.setAttribute('role', 'img');
  if (!values || values.length < 2) return svg;
  const min = Math.min(...values), max = Math.max(...values);
  const span = max - min || 1;
  const points = values.map((v, i) =>
    (i * (w - 2) / (values.length - 1) + 1).toFixed(1) + ',' +
    (h - 2 - (v - min) * (h - 4) / span).toFixed(1)).join(' ');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', points);
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', '#1f5f8b');
  line.setAttribute('stroke-width', '1.5');
  svg.append(line);
  svg.setAttribute('aria-label', 'last ' + values.length + ' values, ' + min + ' to ' + max);
  return svg;
}

// Leaf paths ("a/b") of a JSON object.
function leafPaths(value, prefix = '', out = new Set()) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) leafPaths(v, prefix ? prefix + '/' + k : k, out);
  } else if (prefix) {
    out.add(prefix);
  }
  return out;
}

function metadataAt(metadata, path) {
  let node = metadata;
  for (const key of path.split('/')) {
    if (!node || typeof node !== 'object') return null;
    node = node[key];
  }
  return node && typeof node.timestamp === 'number' ? node.timestamp : null;
}

// A JSON tree; leaves in `highlight` (paths) are marked, with metadata ages.
function jsonTree(value, section, highlight, metadata) {
  const render = (v, path) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return el('ul', {}, Object.entries(v).map(([k, child]) => {
        const childPath = path ? path + '/' + k : k;
        const isLeaf = !(child && typeof child === 'object' && !Array.isArray(child));
        if (!isLeaf) return el('li', {}, el('span', { class: 'key' }, k), ':', render(child, childPath));
        const ts = metadata ? metadataAt(metadata, childPath) : null;
        return el('li', { class: highlight.has(childPath) || [...highlight].some(p => childPath.startsWith(p + '/')) ? 'delta' : null },
          el('span', { class: 'key' }, k), ': ',
          el('span', { class: 'value', 'data-path': section + '/' + childPath }, JSON.stringify(child)),
          ts ? el('span', { class: 'age', 'data-ts': ts * 1000, title: new Date(ts * 1000).toISOString() }, age(ts * 1000)) : null);
      }));
    }
    return el('span', { class: 'value', 'data-path': section + '/' + path }, JSON.stringify(v));
  };
  if (value === undefined || value === null) return el('div', { class: 'tree muted' }, '(none)');
  return el('div', { class: 'tree', 'data-section': section }, render(value, ''));
}

// Lines of a structural diff between two JSON values.
function jsonDiff(before, after, path = '', out = []) {
  const isObj = v => v && typeof v === 'object' && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const k of keys) jsonDiff(before[k], after[k], path ? path + '/' + k : k, out);
  } else if (JSON.stringify(before) !== JSON.stringify(after)) {
    if (before !== undefined) out.push(['del', '- ' + path + ': ' + JSON.stringify(before)]);
    if (after !== undefined) out.push(['add', '+ ' + path + ': ' + JSON.stringify(after)]);
  }
  return out;
}

// ---------------------------------------------------------------- live
function connect() {
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
  state.ws = ws;
  ws.onopen = () => {
    state.wsRetry = 500;
    const live = $('#live');
    live.textContent = 'live';
    live.className = 'live on';
    for (const filter of state.mqtt.filters) ws.send(JSON.stringify({ op: 'subscribe', filter }));
    loadThings();  // whatever happened while offline
  };
  ws.onclose = () => {
    state.mqtt.confirmed.clear();
    renderFilters();
    const live = $('#live');
    live.textContent = 'offline';
    live.className = 'live off';
    setTimeout(connect, state.wsRetry);
    state.wsRetry = Math.min(state.wsRetry * 2, 10000);
  };
  ws.onmessage = event => {
    let msg;
    try { msg = JSON.parse(event.data); } catch (e) { return; }
    if (msg.type === 'thing') onThing(msg);
    else if (msg.type === 'mqtt') onMqtt(msg);
    else if (msg.type === 'subscribed') { state.mqtt.confirmed.add(msg.filter); renderFilters(); }
    else if (msg.type === 'unsubscribed') { state.mqtt.confirmed.delete(msg.filter); renderFilters(); }
    else if (msg.type === 'error') showMqttError(msg.message);
  };
}

function onThing(msg) {
  state.things.set(msg.thing.name, msg.thing);
  const route = state.route;
  if (route && route.page === 'things') renderThingRow(msg.thing);
  if (route && route.page === 'shadow' && route.thing === msg.thing.name &&
      msg.shadow !== undefined && msg.shadow === route.shadow) {
    if (msg.activity) addActivity(msg.activity, true);
    scheduleShadowRefresh();
  } else if (route && route.page === 'shadow' && route.thing === msg.thing.name) {
    scheduleShadowRefresh();
  }
}

// ---------------------------------------------------------------- routes
function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'things' && parts.length >= 3 && parts[2] === 'shadow') {
    return { page: 'shadow', thing: parts[1], shadow: parts[3] || '' };
  }
  if (parts[0] === 'mqtt') return { page: 'mqtt' };
  if (parts[0] === 'registry') return { page: 'registry' };
  return { page: 'things' };
}

function route() {
  state.route = parseRoute();
  state.shadow = null;
  for (const a of document.querySelectorAll('nav a')) {
    const current = a.dataset.nav === state.route.page ||
                    (a.dataset.nav === 'things' && state.route.page === 'shadow');
    a.classList.toggle('current', current);
    if (current) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const main = $('#main');
  main.replaceChildren();
  if (state.route.page === 'shadow') renderShadowPage(main, state.route);
  else if (state.route.page === 'mqtt') renderMqttPage(main);
  else if (state.route.page === 'registry') renderRegistryPage(main);
  else renderThingsPage(main);
  main.focus();
}

// ---------------------------------------------------------------- things
async function loadThings() {
  const r = await api('GET', '/api/things');
  if (r.status !== 200 || !r.json) return;
  state.things = new Map(r.json.things.map(t => [t.name, t]));
  if (state.route && state.route.page === 'things') {
    for (const t of r.json.things) renderThingRow(t);
    const empty = $('#things-empty');
    if (empty) empty.hidden = r.json.things.length > 0;
  }
}

function renderThingsPage(main) {
  document.title = 'Things · shadowsync console';
  main.append(
    el('h1', {}, 'Things'),
    el('p', { class: 'muted' }, 'Every thing the shadow service or the registry knows, with its shadows. ' +
       'Rows change as devices report.'),
    el('table', { class: 'things', id: 'things-table' },
      el('thead', {}, el('tr', {}, ['Thing', 'Shadow', 'Connected', 'Version', 'Last report', 'Busiest reading']
        .map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', { id: 'things-body' })),
    el('p', { id: 'things-empty', class: 'muted', hidden: state.things.size > 0 },
       'No things yet: run a device or the agent against the broker.'));
  for (const t of state.things.values()) renderThingRow(t);
  loadThings();
}

// Rows by key, for the things page's body (rebuilt with the page). Pushes
// are coalesced per animation frame: with a thousand things reporting, the
// page renders each row at most once a frame.
const rows = { body: null, byKey: new Map(), pending: new Map(), frame: 0 };

function renderThingRow(thing) {
  rows.pending.set(thing.name, thing);
  if (!rows.frame) rows.frame = requestAnimationFrame(flushThingRows);
}

function flushThingRows() {
  rows.frame = 0;
  const body = $('#things-body');
  if (!body) { rows.pending.clear(); return; }
  if (rows.body !== body) { rows.body = body; rows.byKey = new Map(); }
  const fresh = [];
  for (const thing of rows.pending.values()) fresh.push(...buildThingRows(thing));
  rows.pending.clear();
  const added = fresh.filter(row => !row.isConnected);
  if (!added.length) return;
  const empty = $('#things-empty');
  if (empty) empty.hidden = true;
  // New rows in key order: sort them, then merge into the sorted body.
  added.sort((a, b) => (a.dataset.key < b.dataset.key ? -1 : 1));
  if (!body.children.length || body.lastElementChild.dataset.key < added[0].dataset.key) {
    const fragment = document.createDocumentFragment();
    fragment.append(...added);
    body.append(fragment);
    return;
  }
  let cursor = body.firstElementChild;
  for (const row of added) {
    while (cursor && cursor.dataset.key < row.dataset.key) cursor = cursor.nextElementSibling;
    body.insertBefore(row, cursor);
  }
}

// The rows of one thing (one per shadow), updated in place or new (not yet
// in the document).
function buildThingRows(thing) {
  const out = [];
  const shadows = thing.shadows.length ? thing.shadows : [null];
  const placeholder = rows.byKey.get(thing.name + '\u0000\u0001');
  if (thing.shadows.length && placeholder) {  // the thing's first shadow replaces "no shadow"
    placeholder.remove();
    rows.byKey.delete(thing.name + '\u0000\u0001');
  }
  for (const shadow of shadows) {
    const shadowName = shadow ? shadow.name : '';
    const key = thing.name + '\u0000' + (shadow ? shadowName : '\u0001');
    let row = rows.byKey.get(key);
    const connected = thing.connected === null ? el('span', { class: 'muted' }, 'unknown')
      : el('span', {}, el('span', { class: 'dot ' + (thing.connected ? 'on' : 'off') }),
           thing.connected ? 'connected' : 'disconnected');
    const cells = [
      el('td', { 'data-label': 'Thing' }, el('strong', {}, thing.name)),
      el('td', { 'data-label': 'Shadow' }, shadow
        ? el('a', { href: shadowHref(thing.name, shadowName), class: 'shadow-link' }, shadowLabel(shadowName))
        : el('span', { class: 'muted' }, 'no shadow')),
      el('td', { 'data-label': 'Connected', class: 'connected' }, connected),
      el('td', { 'data-label': 'Version', class: 'version' },
         shadow && shadow.version !== null ? String(shadow.version) : (shadow && shadow.deleted ? 'deleted' : '—')),
      el('td', { 'data-label': 'Last report', class: 'last-report', 'data-ts': shadow ? shadow.lastReport : 0 },
         shadow ? age(shadow.lastReport) : '—'),
      el('td', { 'data-label': 'Busiest reading', class: 'busiest' },
         shadow && shadow.busiest ? [sparkline(shadow.spark), ' ',
           el('span', { class: 'muted reading' }, shadow.busiest + ' = ' + (shadow.spark.length ? +shadow.spark[shadow.spark.length - 1].toPrecision(6) : ''))] : ''),
    ];
    if (!row) {
      row = el('tr', { 'data-key': key, 'data-thing': thing.name, 'data-shadow': shadowName });
      rows.byKey.set(key, row);
    }
    row.replaceChildren(...cells);
    out.push(row);
  }
  return out;
}

// ---------------------------------------------------------------- shadow
function renderShadowPage(main, r) {
  document.title = r.thing + ' / ' + shadowLabel(r.shadow) + ' · shadowsync console';
  state.shadow = { thing: r.thing, shadow: r.shadow, doc: null, version: null, activity: [], refresh: null };
  const prefix = '$aws/things/' + r.thing + '/shadow' + (r.shadow ? '/name/' + r.shadow : '');
  main.append(
    el('p', {}, el('a', { href: '#/things' }, '← Things')),
    el('h1', {}, r.thing, ' · ', shadowLabel(r.shadow)),
    el('p', { class: 'muted' }, 'MQTT topic prefix ', el('code', {}, prefix), ' · version ',
       el('strong', { id: 'shadow-version' }, '…'), ' · ', el('span', { id: 'shadow-status' })),
    el('div', { class: 'columns' },
      el('section', { class: 'panel', 'aria-labelledby': 'h-desired' }, el('h2', { id: 'h-desired' }, 'Desired'), el('div', { id: 'desired' })),
      el('section', { class: 'panel', 'aria-labelledby': 'h-reported' }, el('h2', { id: 'h-reported' }, 'Reported'), el('div', { id: 'reported' })),
      el('section', { class: 'panel', 'aria-labelledby': 'h-delta' }, el('h2', { id: 'h-delta' }, 'Delta'), el('div', { id: 'delta' }))),
    el('section', { 'aria-labelledby': 'h-edit' },
      el('h2', { id: 'h-edit' }, 'Edit desired'),
      el('p', { class: 'muted' }, 'Sent as an update with the version below: the service refuses it (409) if the ' +
         'shadow changed since. Set a key to null to remove it.'),
      el('label', { for: 'desired-editor' }, 'Desired (JSON)'),
      el('textarea', { id: 'desired-editor', spellcheck: 'false' }),
      el('div', { class: 'row' },
        el('label', { for: 'edit-version' }, 'Version'),
        el('input', { id: 'edit-version', type: 'number', style: 'width:8em' }),
        el('button', { id: 'save-desired', onclick: saveDesired }, 'Update desired'),
        el('button', { id: 'reload-desired', class: 'secondary', onclick: () => fillEditor(true) }, 'Reset editor'),
        el('button', { id: 'delete-shadow', class: 'danger', onclick: deleteShadow }, 'Delete shadow')),
      el('div', { id: 'edit-result', role: 'status' })),
    el('section', { 'aria-labelledby': 'h-history' },
      el('h2', { id: 'h-history' }, 'History'),
      el('div', { id: 'history-leaves', class: 'leaves row' }),
      el('div', { class: 'row' },
        el('label', { for: 'history-range' }, 'Range'),
        el('select', { id: 'history-range', onchange: loadHistory },
          el('option', { value: '300' }, 'last 5 minutes'),
          el('option', { value: '3600', selected: true }, 'last hour'),
          el('option', { value: '86400' }, 'last day'),
          el('option', { value: '0' }, 'everything kept')),
        el('a', { id: 'export-csv', href: '#', download: 'history.csv' }, 'Export CSV'),
        el('span', { class: 'muted' }, 'Drag on the plot to zoom, double-click to reset.')),
      el('div', { id: 'plot' })),
    el('section', { 'aria-labelledby': 'h-activity' },
      el('h2', { id: 'h-activity' }, 'Activity'),
      el('p', { class: 'muted' }, 'Accepted updates, deltas and rejections, newest first. Open one for its JSON and the diff.'),
      el('ul', { id: 'activity', class: 'activity log' })));
  loadShadow(true);
  loadActivity();
  loadLeaves();
}

function scheduleShadowRefresh() {
  const s = state.shadow;
  if (!s || s.refresh) return;
  s.refresh = setTimeout(() => { s.refresh = null; loadShadow(false); loadHistoryLater(); }, 150);
}

async function loadShadow(fillEdit) {
  const s = state.shadow;
  if (!s) return;
  const r = await api('GET', '/api/shadow?' + shadowQuery(s.thing, s.shadow));
  if (state.shadow !== s) return;
  if (r.status === 404) {
    s.doc = null;
    s.version = null;
    $('#shadow-version').textContent = '—';
    $('#shadow-status').textContent = 'no shadow (404)';
    for (const id of ['desired', 'reported', 'delta']) $('#' + id).replaceChildren(el('div', { class: 'muted' }, '(none)'));
    if (fillEdit) fillEditor(true);
    return;
  }
  if (r.status !== 200) {
    $('#shadow-status').textContent = 'GET: ' + r.status + ' ' + (r.json ? r.json.message : r.text);
    return;
  }
  showDocument(r.json);
  if (fillEdit || !s.edited) fillEditor(fillEdit);
}

function showDocument(doc) {
  const s = state.shadow;
  s.doc = doc;
  s.version = doc.version;
  const st = doc.state || {};
  const md = doc.metadata || {};
  const deltaPaths = leafPaths(st.delta);
  $('#shadow-version').textContent = String(doc.version);
  $('#shadow-status').textContent = 'read ' + new Date().toLocaleTimeString();
  $('#desired').replaceChildren(jsonTree(st.desired, 'desired', deltaPaths, md.desired));
  $('#reported').replaceChildren(jsonTree(st.reported, 'reported', deltaPaths, md.reported));
  $('#delta').replaceChildren(jsonTree(st.delta, 'delta', deltaPaths, md.desired));
}

function fillEditor(force) {
  const s = state.shadow;
  const editor = $('#desired-editor');
  if (!s || !editor) return;
  if (!force && s.edited) return;
  const desired = s.doc && s.doc.state && s.doc.state.desired ? s.doc.state.desired : {};
  editor.value = JSON.stringify(desired, null, 2);
  $('#edit-version').value = s.version === null ? '' : s.version;
  s.edited = false;
  editor.oninput = () => { s.edited = true; };
}

async function saveDesired() {
  const s = state.shadow;
  const result = $('#edit-result');
  let desired;
  try { desired = JSON.parse($('#desired-editor').value); } catch (e) {
    result.replaceChildren(el('div', { class: 'notice error' }, 'Not JSON: ' + e.message));
    return;
  }
  const body = { state: { desired } };
  const version = $('#edit-version').value;
  if (version !== '') body.version = Number(version);
  const r = await api('POST', '/api/shadow?' + shadowQuery(s.thing, s.shadow), body);
  if (r.status === 200) {
    s.edited = false;
    result.replaceChildren(el('div', { class: 'notice ok', id: 'edit-ok' }, 'Accepted: version ' + r.json.version + '.'));
    loadShadow(true);
    return;
  }
  if (r.status === 409) {
    const current = r.json && r.json.current;
    const notice = el('div', { class: 'notice conflict', id: 'edit-conflict' },
      el('strong', {}, 'Version conflict (409). '), (r.json && r.json.message) || '',
      current ? [' The shadow is now at version ', el('strong', { id: 'conflict-version' }, String(current.version)),
        '. Its desired now:', el('pre', { class: 'json' }, JSON.stringify((current.state || {}).desired || {}, null, 2)),
        el('div', { class: 'row' },
          el('button', { id: 'rebase', onclick: () => {
            showDocument(current);
            $('#edit-version').value = current.version;
            result.replaceChildren(el('div', { class: 'notice' }, 'Rebased on version ' + current.version +
              ': your edit is kept; check it against the new desired and update again.'));
          } }, 'Rebase my edit on version ' + current.version),
          el('button', { class: 'secondary', onclick: () => { showDocument(current); fillEditor(true); result.replaceChildren(); } },
             'Discard my edit'))] : '');
    result.replaceChildren(notice);
    return;
  }
  result.replaceChildren(el('div', { class: 'notice error', id: 'edit-error' },
    'Refused (' + r.status + '): ' + ((r.json && r.json.message) || r.text)));
}

async function deleteShadow() {
  const s = state.shadow;
  const button = $('#delete-shadow');
  if (!button.dataset.armed) {
    button.dataset.armed = '1';
    button.textContent = 'Really delete version ' + s.version + '?';
    return;
  }
  delete button.dataset.armed;
  button.textContent = 'Delete shadow';
  const version = s.version === null ? '' : '&version=' + s.version;
  const r = await api('DELETE', '/api/shadow?' + shadowQuery(s.thing, s.shadow) + version);
  $('#edit-result').replaceChildren(r.status === 200
    ? el('div', { class: 'notice ok' }, 'Deleted.')
    : el('div', { class: 'notice error' }, 'Delete refused (' + r.status + '): ' + ((r.json && r.json.message) || r.text)));
  loadShadow(true);
}

async function loadActivity() {
  const s = state.shadow;
  const r = await api('GET', '/api/activity?' + shadowQuery(s.thing, s.shadow));
  if (state.shadow !== s || r.status !== 200) return;
  s.activity = [];
  $('#activity').replaceChildren();
  for (const entry of r.json.activity.slice().reverse()) addActivity(entry, true);
}

function addActivity(entry, newestFirst) {
  const list = $('#activity');
  if (!list) return;
  const p = entry.payload || {};
  let summary = '';
  let details = [el('pre', { class: 'json' }, JSON.stringify(p, null, 2))];
  if (entry.kind === 'accepted' && p.current) {
    summary = 'version ' + p.current.version;
    const lines = jsonDiff((p.previous || {}).state, p.current.state);
    details.unshift(el('div', { class: 'diff' }, el('strong', {}, 'Diff against version ' + (p.previous ? p.previous.version : '—')),
      el('pre', { class: 'json' }, lines.length ? lines.map(([cls, text]) => el('span', { class: cls }, text + '\n')) : '(no change)')));
  } else if (entry.kind === 'delta') {
    summary = 'version ' + p.version + ': ' + Object.keys(p.state || {}).join(', ');
  } else if (entry.kind === 'rejected') {
    summary = (p.code || '') + ' ' + (p.message || '');
  } else if (entry.kind === 'deleted') {
    summary = 'version ' + p.version;
  }
  const item = el('li', {}, el('details', {},
    el('summary', {}, el('span', { class: 'kind ' + entry.kind }, entry.kind), ' ',
      el('span', { class: 'muted' }, new Date(entry.time).toLocaleTimeString()), ' ', summary),
    details));
  if (newestFirst) list.prepend(item); else list.append(item);
  while (list.children.length > 100) list.lastChild.remove();
}

async function loadLeaves() {
  const s = state.shadow;
  const r = await api('GET', '/api/history/leaves?' + shadowQuery(s.thing, s.shadow));
  if (state.shadow !== s) return;
  const box = $('#history-leaves');
  if (r.status !== 200) {
    box.replaceChildren(el('span', { class: 'muted' }, (r.json && r.json.message) || 'no history'));
    return;
  }
  const checked = new Set([...box.querySelectorAll('input:checked')].map(i => i.value));
  const row = state.things.get(s.thing);
  const sh = row && row.shadows.find(x => x.name === s.shadow);
  if (!checked.size) {
    if (sh && sh.busiest && r.json.leaves.includes(sh.busiest)) checked.add(sh.busiest);
    else if (r.json.leaves.length) checked.add(r.json.leaves[0]);
  }
  box.replaceChildren(...r.json.leaves.map((leaf, i) => el('label', {},
    el('input', { type: 'checkbox', value: leaf, id: 'leaf-' + i, 'data-leaf': leaf, checked: checked.has(leaf), onchange: loadHistory }),
    ' ', leaf)));
  s.leafCount = r.json.leaves.length;
  loadHistory();
}

function loadHistoryLater() {
  const s = state.shadow;
  if (!s || s.historyTimer) return;
  s.historyTimer = setTimeout(() => {
    s.historyTimer = null;
    const row = state.things.get(s.thing);
    // New leaves appear with new reports: refresh the list, which replots.
    loadLeaves();
  }, 1000);
}

async function loadHistory() {
  const s = state.shadow;
  if (!s) return;
  const leaves = [...document.querySelectorAll('#history-leaves input:checked')].map(i => i.value);
  const range = Number($('#history-range').value);
  const from = range ? Date.now() - range * 1000 : 0;
  const q = shadowQuery(s.thing, s.shadow) + '&leaves=' + encodeURIComponent(leaves.join(',')) + '&from=' + from;
  $('#export-csv').href = '/api/history?' + q + '&format=csv';
  $('#export-csv').setAttribute('download', s.thing + (s.shadow ? '-' + s.shadow : '') + '-history.csv');
  if (!leaves.length) {
    $('#plot').replaceChildren(el('p', { class: 'muted' }, 'Choose a reading to plot.'));
    s.graph = null;
    return;
  }
  const r = await api('GET', '/api/history?' + q);
  if (state.shadow !== s || r.status !== 200) return;
  // Dygraph wants rows: [Date, v1, v2, ...], one per distinct time.
  const times = new Map();
  r.json.series.forEach((series, i) => {
    for (const [t, v] of series.points) {
      if (!times.has(t)) times.set(t, new Array(leaves.length).fill(null));
      times.get(t)[i] = v;
    }
  });
  const rows = [...times.entries()].sort((a, b) => a[0] - b[0]).map(([t, vs]) => [new Date(t), ...vs]);
  const plot = $('#plot');
  plot.dataset.points = String(rows.length);
  if (!rows.length) {
    plot.replaceChildren(el('p', { class: 'muted' }, 'No samples in this range.'));
    s.graph = null;
    return;
  }
  const options = { labels: ['time', ...leaves], connectSeparatedPoints: true, legend: 'always', labelsSeparateLines: true };
  if (s.graph && s.graphLeaves === leaves.join(',')) {
    s.graph.updateOptions({ file: rows });  // keeps the zoom
  } else {
    if (s.graph) s.graph.destroy();
    plot.replaceChildren();
    s.graph = new Dygraph(plot, rows, options);
    s.graphLeaves = leaves.join(',');
  }
}

// ---------------------------------------------------------------- MQTT
function renderMqttPage(main) {
  document.title = 'MQTT test client · shadowsync console';
  main.append(
    el('h1', {}, 'MQTT test client'),
    el('p', { class: 'muted', id: 'mqtt-identity' }, 'Messages travel through the console\'s own MQTT client; the broker\'s policies decide what it may do.'),
    el('div', { class: 'grid2' },
      el('section', { class: 'panel', 'aria-labelledby': 'h-sub' },
        el('h2', { id: 'h-sub' }, 'Subscribe to a topic'),
        el('form', { id: 'subscribe-form', onsubmit: e => { e.preventDefault(); subscribe($('#filter').value.trim()); } },
          el('label', { for: 'filter' }, 'Topic filter'),
          el('input', { id: 'filter', value: '$aws/things/+/shadow/#', autocomplete: 'off' }),
          el('div', { class: 'row' },
            el('button', { type: 'submit', id: 'subscribe' }, 'Subscribe'),
            el('button', { type: 'button', class: 'secondary', onclick: () => subscribe('$aws/events/#') }, 'Lifecycle events'))),
        el('ul', { id: 'filters' }),
        el('div', { id: 'mqtt-error', role: 'alert' })),
      el('section', { class: 'panel', 'aria-labelledby': 'h-pub' },
        el('h2', { id: 'h-pub' }, 'Publish to a topic'),
        el('form', { id: 'publish-form', onsubmit: e => { e.preventDefault(); publish(); } },
          el('label', { for: 'pub-topic' }, 'Topic'),
          el('input', { id: 'pub-topic', value: 'sdk/test/console', autocomplete: 'off' }),
          el('div', { class: 'row' }, el('label', { for: 'pub-qos' }, 'QoS'),
            el('select', { id: 'pub-qos' }, el('option', { value: '0' }, '0'), el('option', { value: '1', selected: true }, '1'))),
          el('label', { for: 'pub-payload' }, 'Payload (JSON)'),
          el('textarea', { id: 'pub-payload', spellcheck: 'false' }, '{\n  "message": "Hello from the shadowsync console"\n}'),
          el('div', { class: 'row' }, el('button', { type: 'submit', id: 'publish' }, 'Publish')),
          el('div', { id: 'publish-result', role: 'status' })))),
    el('h2', {}, 'Messages, newest first'),
    el('ul', { id: 'mqtt-log', class: 'log' }));
  renderFilters();
  for (const m of state.mqtt.log) $('#mqtt-log').append(mqttItem(m));
}

function subscribe(filter) {
  if (!filter) return;
  state.mqtt.filters.add(filter);
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify({ op: 'subscribe', filter }));
  renderFilters();
}

function renderFilters() {
  const list = $('#filters');
  if (!list) return;
  list.replaceChildren(...[...state.mqtt.filters].map(f => el('li', {
    'data-filter': f, 'data-state': state.mqtt.confirmed.has(f) ? 'subscribed' : 'pending' },
    el('code', {}, f), ' ', el('span', { class: 'muted' }, state.mqtt.confirmed.has(f) ? 'subscribed' : 'subscribing…'), ' ',
    el('button', { class: 'secondary', onclick: () => {
      state.mqtt.filters.delete(f);
      if (state.ws) state.ws.send(JSON.stringify({ op: 'unsubscribe', filter: f }));
      renderFilters();
    } }, 'Unsubscribe'))));
}

function showMqttError(message) {
  const box = $('#mqtt-error');
  if (box) box.replaceChildren(el('div', { class: 'notice error' }, message));
}

function mqttItem(m) {
  let payload = m.payload;
  try { payload = JSON.stringify(JSON.parse(m.payload), null, 2); } catch (e) { /* as is */ }
  return el('li', { 'data-topic': m.topic },
    el('div', {}, el('span', { class: 'topic' }, m.topic), ' ',
      el('span', { class: 'muted' }, new Date(m.time).toLocaleTimeString() + ' · QoS ' + m.qos + (m.retained ? ' · retained' : ''))),
    el('pre', { class: 'json' }, payload));
}

function onMqtt(m) {
  state.mqtt.log.unshift(m);
  if (state.mqtt.log.length > 500) state.mqtt.log.pop();
  const list = $('#mqtt-log');
  if (!list) return;
  list.prepend(mqttItem(m));
  while (list.children.length > 500) list.lastChild.remove();
}

async function publish() {
  const topic = $('#pub-topic').value.trim();
  const payload = $('#pub-payload').value;
  const result = $('#publish-result');
  try { JSON.parse(payload); } catch (e) {
    result.replaceChildren(el('div', { class: 'notice error' }, 'The payload is not JSON: ' + e.message));
    return;
  }
  const r = await api('POST', '/api/publish', { topic, qos: Number($('#pub-qos').value), payload });
  result.replaceChildren(r.status === 200
    ? el('div', { class: 'notice ok', id: 'publish-ok' }, 'Published to ' + topic + ' at ' + new Date().toLocaleTimeString() + '.')
    : el('div', { class: 'notice error' }, 'Refused (' + r.status + '): ' + ((r.json && r.json.message) || r.text)));
}

// ---------------------------------------------------------------- registry
async function renderRegistryPage(main) {
  document.title = 'Registry & connect · shadowsync console';
  main.append(el('h1', {}, 'Registry & connect'), el('div', { id: 'connect' }), el('div', { id: 'registry' }));
  const info = (await api('GET', '/api/info')).json || {};
  let host = '127.0.0.1', port = '1883', tls = false;
  const m = /^(\w+):\/\/\[?([^\]\/]+?)\]?:(\d+)/.exec(info.broker || '');
  if (m) { tls = /ssl|mqtts|tls/.test(m[1]); host = m[2]; port = m[3]; }
  $('#connect').replaceChildren(
    el('h2', {}, 'Connect a device'),
    el('table', {}, el('tbody', {},
      el('tr', {}, el('th', {}, 'Endpoint'), el('td', {}, el('code', { id: 'endpoint' }, host))),
      el('tr', {}, el('th', {}, 'MQTT port'), el('td', {}, el('code', {}, port), tls ? ' (TLS)' : ' (plain MQTT, loopback)')),
      el('tr', {}, el('th', {}, 'Shadow topic prefix'), el('td', {}, el('code', {}, '$aws/things/<thing>/shadow'))),
      el('tr', {}, el('th', {}, 'Device Shadow REST'), el('td', {}, 'shadowsync-gateway: ', el('code', {}, 'https://' + host + ':8443/things/<thing>/shadow'), ' (mutual TLS)')))),
    el('h2', {}, 'SparkFun DataLogger "AWS IoT" settings'),
    el('pre', { class: 'json', id: 'datalogger' },
      'AWS IoT\n  Enabled      = true\n  Server       = ' + host + '\n  Port         = ' + port +
      '\n  Client Name  = <thing name>\n  Thing Name   = <thing name>\n  CA Cert      = the CA of the broker\'s certificate' +
      '\n  Client Cert  = the device certificate (registry below)\n  Client Key   = its private key'),
    el('h2', {}, 'shadowsync-agent'),
    el('pre', { class: 'json' }, JSON.stringify({ connection: { endpoint: (tls ? 'ssl://' : 'tcp://') + host + ':' + port, thing_name: '<thing name>' } }, null, 2)));
  const r = await api('GET', '/api/registry');
  const box = $('#registry');
  if (r.status !== 200) {
    box.replaceChildren(el('h2', {}, 'Registry'), el('p', { class: 'muted' }, (r.json && r.json.message) || 'no registry'));
    return;
  }
  const certs = r.json.certificates;
  box.replaceChildren(
    el('h2', {}, 'Certificates, things and policies'),
    el('table', {}, el('thead', {}, el('tr', {}, ['#', 'Certificate', 'Thing', 'Policies'].map(h => el('th', {}, h)))),
      el('tbody', {}, certs.map((c, i) => el('tr', {}, el('td', {}, String(i)),
        el('td', {}, c.commonName ? 'CN ' + c.commonName : '', c.sha256 ? el('div', { class: 'muted' }, c.sha256.slice(0, 16) + '…') : ''),
        el('td', {}, c.thing || '—'), el('td', {}, c.policies.join(', ')))))),
    el('h2', {}, 'Test authorization'),
    el('form', { id: 'authz-form', onsubmit: async e => {
      e.preventDefault();
      const a = await api('POST', '/api/authorize', { certificate: Number($('#authz-cert').value), clientId: $('#authz-client').value,
        action: $('#authz-action').value, resource: $('#authz-resource').value });
      $('#authz-result').replaceChildren(a.status === 200
        ? el('div', { class: 'notice ' + (a.json.allowed ? 'ok' : 'error') }, (a.json.allowed ? 'Allowed: ' : 'Denied: ') + a.json.reason)
        : el('div', { class: 'notice error' }, a.text));
    } },
      el('div', { class: 'grid2' },
        el('div', {}, el('label', { for: 'authz-cert' }, 'Certificate'),
          el('select', { id: 'authz-cert' }, certs.map((c, i) => el('option', { value: String(i) }, i + ': ' + (c.commonName || c.sha256.slice(0, 12)))))),
        el('div', {}, el('label', { for: 'authz-client' }, 'Client id'), el('input', { id: 'authz-client', value: certs[0] && certs[0].thing || '' })),
        el('div', {}, el('label', { for: 'authz-action' }, 'Action'),
          el('select', { id: 'authz-action' }, ['iot:Connect', 'iot:Publish', 'iot:Subscribe', 'iot:Receive'].map(a => el('option', { selected: a === 'iot:Publish' }, a)))),
        el('div', {}, el('label', { for: 'authz-resource' }, 'Resource (after the account)'),
          el('input', { id: 'authz-resource', value: 'topic/$aws/things/' + (certs[0] && certs[0].thing || 'T') + '/shadow/update' }))),
      el('div', { class: 'row' }, el('button', { type: 'submit' }, 'Evaluate'))),
    el('div', { id: 'authz-result', role: 'status' }));
}

// ---------------------------------------------------------------- start
setInterval(() => {  // ages tick locally; no request
  for (const node of document.querySelectorAll('[data-ts]')) {
    const ts = Number(node.dataset.ts);
    const text = ts ? age(ts) : null;
    if (text && node.textContent !== text) node.textContent = text;
  }
}, 1000);
window.addEventListener('hashchange', route);
route();
connect();
