// The jvs dashboard: plain JS over the REST API (docs/api.md). The token lives in sessionStorage
// and goes out as a bearer header, never as a cookie, so no other site can act with it.
'use strict';

const TOKEN_KEY = 'jvs.token';
const POLL_MS = 1500;
const HISTORY = 60; // points per sparkline: 90 s at one poll each
const CONSOLE_BYTES = 16384;
const MAX_EVENTS = 200;
const LIMITS = [
  ['cpu.limit', 'hard cap in % of one CPU, e.g. 50'],
  ['cpu.share', 'fair-share weight 2..262144'],
  ['memory.rss', 'resident memory limit, e.g. 256M'],
  ['memory.swap', 'swap beyond memory.rss, e.g. 0 or 1G'],
  ['pids.max', 'maximum number of processes'],
];

const $ = (id) => document.getElementById(id);
const rows = new Map(); // guest name -> its table row's parts
const usage = new Map(); // guest name -> {cpu: [%], mem: [bytes], lastCpu, lastTime}
let pollTimer = null;
let pollBusy = false;
let pollAgain = false;
let eventsAbort = null;
let selected = null;
let savedLimits = {};

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * One API call; JSON in and out, text for text replies. A 401 brings the login back. A request
 * that got no answer is sent once more, as a person would click again: Chromium drops requests
 * when the host's interfaces change (ERR_NETWORK_CHANGED), which on a jvs host they often do; a
 * repeated action that had gone through is answered by the API's own error (e.g. 409).
 */
async function api(method, path, body, again = true) {
  const headers = authHeaders();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let reply;
  try {
    reply = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch (e) {
    if (!again) throw new ApiError(0, 'no answer from the service: ' + e.message);
    await new Promise((resolve) => setTimeout(resolve, 500));
    return api(method, path, body, false);
  }
  const text = await reply.text();
  if (reply.status === 401) {
    unauthorized(text);
    throw new ApiError(401, errorOf(text));
  }
  if (!reply.ok) throw new ApiError(reply.status, errorOf(text));
  const type = reply.headers.get('Content-Type') || '';
  return type.startsWith('application/json') ? JSON.parse(text) : text;
}

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? {Authorization: 'Bearer ' + token} : {};
}

function errorOf(text) {
  try {
    return JSON.parse(text).error || text;
  } catch (e) {
    return text;
  }
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

// ---- login ------------------------------------------------------------------------------------

async function connect() {
  try {
    const host = await api('GET', '/1.0/host');
    showMain(host);
  } catch (e) {
    if (e.status !== 401) $('login-error').textContent = e.message;
  }
}

/** A refused token: back to the login, saying why; once, though calls run side by side. */
function unauthorized(text) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token || $('login').hidden) showLogin(token ? errorOf(text) : '');
}

function showLogin(message) {
  stop();
  sessionStorage.removeItem(TOKEN_KEY);
  $('main').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('token').focus();
}

function showMain(host) {
  $('login').hidden = true;
  $('main').hidden = false;
  $('logout').hidden = !sessionStorage.getItem(TOKEN_KEY);
  $('host').textContent = `${host.version} · kernel ${host.kernel} · ${host.cpus} CPUs`;
  loadTemplates();
  poll();
  followEvents();
}

function stop() {
  clearTimeout(pollTimer);
  pollTimer = null;
  if (eventsAbort) eventsAbort.abort();
  eventsAbort = null;
}

$('login-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
  $('token').value = '';
  $('login-error').textContent = '';
  connect();
});

$('logout').addEventListener('click', () => showLogin(''));

// ---- guest list, usage and sparklines ---------------------------------------------------------

/** Polls the list and the metrics (one scrape covers every guest's usage), then again. */
async function poll() {
  if (pollBusy) {
    pollAgain = true; // once this one is done
    return;
  }
  pollBusy = true;
  clearTimeout(pollTimer);
  pollTimer = null;
  try {
    const [guests, metrics] = await Promise.all([
      api('GET', '/1.0/guests'),
      api('GET', '/1.0/metrics').catch((e) => {
        if (e.status === 401) throw e;
        return ''; // the list without usage rather than nothing
      }),
    ]);
    record(guests, parseMetrics(metrics));
    render(guests);
    if (selected) await showConsole(selected);
  } catch (e) {
    if (e.status !== 401) $('guest-count').textContent = 'not updated: ' + e.message;
  } finally {
    pollBusy = false;
  }
  if ($('main').hidden) return;
  if (pollAgain) {
    pollAgain = false;
    poll();
  } else {
    pollTimer = setTimeout(poll, POLL_MS);
  }
}

const SAMPLES = new Map([
  ['jvs_guest_cpu_seconds_total', 'cpu'],
  ['jvs_guest_memory_usage_bytes', 'mem'],
  ['jvs_guest_memory_limit_bytes', 'limit'],
]);

/** guest -> {cpu: seconds, mem: bytes, limit: bytes} from the Prometheus text. */
function parseMetrics(text) {
  const byGuest = new Map();
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{[^}]*guest="([^"]*)"[^}]*\} (\S+)/.exec(line);
    if (!m || !SAMPLES.has(m[1])) continue;
    const u = byGuest.get(m[2]) || {};
    u[SAMPLES.get(m[1])] = Number(m[3]);
    byGuest.set(m[2], u);
  }
  return byGuest;
}

/** Adds a point per running guest: CPU as % of one CPU since the last poll, memory in use. */
function record(guests, now) {
  const t = performance.now() / 1000;
  const names = new Set(guests.map((g) => g.name));
  for (const name of usage.keys()) if (!names.has(name)) usage.delete(name);
  for (const g of guests) {
    const m = now.get(g.name);
    if (g.state !== 'running' || !m) {
      usage.delete(g.name);
      continue;
    }
    const h = usage.get(g.name) || {cpu: [], mem: []};
    if (m.cpu !== undefined) {
      if (h.lastCpu !== undefined && t > h.lastTime) {
        push(h.cpu, Math.max(0, ((m.cpu - h.lastCpu) / (t - h.lastTime)) * 100));
      }
      h.lastCpu = m.cpu;
      h.lastTime = t;
    }
    if (m.mem !== undefined) push(h.mem, m.mem);
    h.limit = m.limit;
    usage.set(g.name, h);
  }
}

function push(series, value) {
  series.push(value);
  if (series.length > HISTORY) series.shift();
}

function render(guests) {
  const running = guests.filter((g) => g.state === 'running').length;
  $('no-guests').hidden = guests.length > 0;
  $('guest-count').textContent = `(${guests.length}, ${running} running)`;
  const names = new Set(guests.map((g) => g.name));
  for (const [name, row] of rows) {
    if (!names.has(name)) {
      row.tr.remove();
      rows.delete(name);
      if (selected === name) select(null);
    }
  }
  const body = $('guests').tBodies[0];
  guests.forEach((g, i) => {
    const row = rows.get(g.name) || addRow(g.name);
    // In the list's (name) order; a row in place stays, so that its buttons keep the focus.
    if (body.children[i] !== row.tr) body.insertBefore(row.tr, body.children[i] || null);
    row.state.textContent = g.state + (g.state !== 'running' && g.last_exit ? ` (${g.last_exit.text})` : '');
    row.state.className = 'state ' + g.state;
    row.tr.dataset.state = g.state;
    row.tr.classList.toggle('selected', g.name === selected);
    enableButtons(row);
    const h = usage.get(g.name) || {cpu: [], mem: []};
    spark(row.cpu, h.cpu, 1);
    spark(row.mem, h.mem, 1024);
    row.cpuText.textContent = h.cpu.length ? h.cpu[h.cpu.length - 1].toFixed(1) + ' %' : '';
    row.memText.textContent = h.mem.length
      ? bytes(h.mem[h.mem.length - 1]) + (h.limit ? ' of ' + bytes(h.limit) : '')
      : '';
  });
}

/** The actions that make sense in the row's state; none while one runs. */
function enableButtons(row) {
  const running = row.tr.dataset.state === 'running';
  row.start.disabled = row.busy || running;
  row.stop.disabled = row.busy || !running;
  row.restart.disabled = row.busy || !running;
  row.remove.disabled = row.busy || running;
}

function addRow(name) {
  const svg = (kind) => {
    const s = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    s.setAttribute('class', 'spark ' + kind);
    s.setAttribute('viewBox', `0 0 ${HISTORY - 1} 20`);
    s.setAttribute('preserveAspectRatio', 'none');
    s.setAttribute('role', 'img');
    s.setAttribute('aria-label', (kind === 'cpu' ? 'CPU' : 'memory') + ' over the last 90 s');
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    line.setAttribute('points', '');
    s.append(line);
    return s;
  };
  const button = (action, label) => {
    const b = el('button', {type: 'button', 'data-action': action}, label);
    b.addEventListener('click', () => act(name, action));
    return b;
  };
  const link = el('a', {href: '#', class: 'guest-name'}, name);
  link.addEventListener('click', (ev) => {
    ev.preventDefault();
    select(name);
  });
  const row = {
    state: el('span', {class: 'state'}),
    cpu: svg('cpu'),
    mem: svg('mem'),
    cpuText: el('span', {class: 'value cpu-value'}),
    memText: el('span', {class: 'value mem-value'}),
    start: button('start', 'Start'),
    stop: button('stop', 'Stop'),
    restart: button('restart', 'Restart'),
    remove: button('delete', 'Delete'),
    error: el('span', {class: 'error row-error'}),
    busy: false,
  };
  row.tr = el(
    'tr',
    {'data-guest': name},
    el('td', {}, link),
    el('td', {}, row.state),
    el('td', {}, row.cpu, row.cpuText),
    el('td', {}, row.mem, row.memText),
    el('td', {}, row.start, row.stop, row.restart, row.remove, row.error),
  );
  rows.set(name, row);
  return row;
}

/** Draws {@code series} into an SVG polyline, scaled to its own maximum (at least {@code floor}). */
function spark(svg, series, floor) {
  const top = Math.max(floor, ...series);
  const offset = HISTORY - series.length;
  const points = series.map((v, i) => `${offset + i},${(20 - (v / top) * 19).toFixed(2)}`);
  svg.firstChild.setAttribute('points', points.join(' '));
  svg.dataset.points = String(series.length);
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return n.toFixed(i ? 1 : 0) + ' ' + units[i];
}

async function act(name, action) {
  const row = rows.get(name);
  if (action === 'delete' && row.remove.textContent !== 'Sure?') {
    row.remove.textContent = 'Sure?'; // a second click deletes; a click elsewhere does not
    row.remove.addEventListener('blur', () => (row.remove.textContent = 'Delete'), {once: true});
    return;
  }
  row.busy = true;
  row.error.textContent = '';
  row.state.textContent = action + '…';
  for (const b of [row.start, row.stop, row.restart, row.remove]) b.disabled = true;
  try {
    const path = `/1.0/guests/${encodeURIComponent(name)}`;
    if (action === 'delete') await api('DELETE', path);
    else await api('PUT', path + '/state', {action});
  } catch (e) {
    row.error.textContent = e.message;
  } finally {
    row.busy = false;
    enableButtons(row); // as the last poll saw the guest; the next one corrects it
    poll();
  }
}

// ---- create from a template -------------------------------------------------------------------

async function loadTemplates() {
  try {
    const list = await api('GET', '/1.0/templates');
    $('templates').replaceChildren(...list.map((t) => el('option', {value: t.name})));
  } catch (e) {
    // the name can still be typed
  }
}

$('create-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const name = $('new-name').value.trim();
  const template = $('new-template').value.trim() || 'busybox';
  $('create-error').textContent = 'building…';
  $('create').disabled = true;
  try {
    await api('POST', '/1.0/guests', {name, template});
    $('create-error').textContent = '';
    $('new-name').value = '';
    await poll();
    select(name);
    loadTemplates();
  } catch (e) {
    $('create-error').textContent = e.message;
  } finally {
    $('create').disabled = false;
  }
});

// ---- one guest: limits and console ------------------------------------------------------------

async function select(name) {
  selected = name;
  $('details').hidden = !name;
  for (const [n, row] of rows) row.tr.classList.toggle('selected', n === name);
  if (!name) return;
  $('details-name').textContent = name;
  $('limits-message').textContent = '';
  $('console').textContent = '';
  buildLimitFields();
  try {
    const config = await api('GET', `/1.0/guests/${encodeURIComponent(name)}/config`);
    savedLimits = config.resources || {};
    for (const [key] of LIMITS) field(key).input.value = savedLimits[key] ?? '';
  } catch (e) {
    $('limits-message').textContent = e.message;
  }
  showConsole(name);
}

function buildLimitFields() {
  $('limit-fields').replaceChildren(
    ...LIMITS.map(([key, help]) =>
      el(
        'div',
        {class: 'field', 'data-key': key},
        el('label', {for: 'limit-' + key}, key),
        el('input', {id: 'limit-' + key, name: key, placeholder: 'unset', title: help, size: '12'}),
        el('span', {class: 'error field-error'}),
      ),
    ),
  );
}

function field(key) {
  const div = $('limit-fields').querySelector(`[data-key="${key}"]`);
  return {div, input: div.querySelector('input'), error: div.querySelector('.field-error')};
}

$('limits-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const name = selected;
  const changes = {};
  for (const [key] of LIMITS) {
    const f = field(key);
    f.error.textContent = '';
    f.input.classList.remove('invalid');
    if (f.input.value.trim() !== (savedLimits[key] ?? '')) changes[key] = f.input.value.trim();
  }
  if (Object.keys(changes).length === 0) {
    $('limits-message').textContent = 'nothing changed';
    return;
  }
  $('limits-message').textContent = 'saving…';
  try {
    const config = await api('PATCH', `/1.0/guests/${encodeURIComponent(name)}/config`, changes);
    savedLimits = config.resources || {};
    $('limits-message').textContent = 'saved';
  } catch (e) {
    // The API names the key it refused ("web1: memory.rss: …"): show it next to that field.
    const key = Object.keys(changes).find((k) => e.message.includes(k + ':') || e.message.includes(k + ' '));
    if (key) {
      field(key).error.textContent = e.message;
      field(key).input.classList.add('invalid');
      $('limits-message').textContent = '';
    } else {
      $('limits-message').textContent = e.message;
    }
  }
});

async function showConsole(name) {
  const pre = $('console');
  try {
    const text = await api('GET', `/1.0/guests/${encodeURIComponent(name)}/console?bytes=${CONSOLE_BYTES}`);
    if (selected !== name || pre.textContent === text) return;
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.textContent = text || '(empty)';
    if (atEnd) pre.scrollTop = pre.scrollHeight;
  } catch (e) {
    if (e.status !== 401) pre.textContent = e.message;
  }
}

// ---- the event feed (server-sent events, read with fetch so that the token goes along) --------

async function followEvents() {
  if (eventsAbort) eventsAbort.abort();
  const abort = new AbortController();
  eventsAbort = abort;
  try {
    const reply = await fetch('/1.0/events', {headers: authHeaders(), signal: abort.signal});
    if (reply.status === 401) {
      unauthorized(await reply.text());
      return;
    }
    if (!reply.ok) throw new Error(errorOf(await reply.text()));
    $('events-state').textContent = 'live';
    const reader = reply.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    for (;;) {
      const {value, done} = await reader.read();
      if (done) break;
      buffered += value;
      let end;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        showEvent(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
      }
    }
  } catch (e) {
    if (abort.signal.aborted) return;
  }
  if (eventsAbort !== abort) return;
  $('events-state').textContent = 'reconnecting…'; // the service went away: try again
  setTimeout(() => eventsAbort === abort && followEvents(), 2000);
}

function showEvent(block) {
  const data = block
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trim())
    .join('\n');
  if (!data) return; // a comment (keepalive)
  const e = JSON.parse(data);
  const {time, guest, type, ...details} = e;
  const extra = Object.entries(details)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(' ');
  const li = el(
    'li',
    {'data-guest': guest, 'data-type': type},
    el('time', {datetime: time}, new Date(time).toLocaleTimeString()),
    ' ',
    el('strong', {}, guest),
    ' ',
    el('span', {class: 'event-type ' + type}, type),
    extra ? ' ' + extra : '',
  );
  $('events').prepend(li);
  while ($('events').children.length > MAX_EVENTS) $('events').lastChild.remove();
  poll(); // show the change now rather than at the next poll
}

connect();
