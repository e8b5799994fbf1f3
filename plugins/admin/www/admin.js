// The admin page: polls api/overview every sample interval and shows it (charts, tables). The
// token, when the server asks for one, is kept in sessionStorage and sent as a Bearer header.
import { drawLineChart } from './charts.js';

const tokenKey = 'notify-admin-token';
const defaultIntervalMs = 1000;
// The charts show this much of the history (the plugin keeps `history` samples).
const chartWindowMs = 5 * 60 * 1000;

const charts = [
  { id: 'chart-publishes', latest: 'latest-publishes', field: 'publishes_per_second', color: '#2563eb', unit: '/s' },
  { id: 'chart-deliveries', latest: 'latest-deliveries', field: 'deliveries_per_second', color: '#16a34a', unit: '/s' },
  { id: 'chart-drops', latest: 'latest-drops', field: 'drops_per_second', color: '#dc2626', unit: '/s' },
  { id: 'chart-connections', latest: 'latest-connections', field: 'connections', color: '#9333ea', unit: '' },
];

const element = (id) => document.getElementById(id);
let timer = null;
let intervalMs = defaultIntervalMs;

function setStatus(state, text) {
  const status = element('status');
  status.dataset.state = state;
  status.textContent = text;
}

function formatValue(value, digits = 0) {
  if (value == null || Number.isNaN(value)) {
    return '–';
  }
  return Number(value).toLocaleString('en-US', { maximumFractionDigits: digits });
}

// Rows of [text, isNumber] cells; an empty table says so in one row.
function fillTable(id, rows, emptyText) {
  const body = element(id).tBodies[0];
  const columns = element(id).tHead.rows[0].cells.length;
  const fresh = document.createElement('tbody');
  if (rows.length === 0) {
    const row = fresh.insertRow();
    const cell = row.insertCell();
    cell.colSpan = columns;
    cell.className = 'empty';
    cell.textContent = emptyText;
  }
  for (const cells of rows) {
    const row = fresh.insertRow();
    for (const [text, isNumber] of cells) {
      const cell = row.insertCell();
      cell.textContent = text;
      if (isNumber) {
        cell.className = 'number';
      }
    }
  }
  body.replaceWith(fresh);
}

function breakdownRows(breakdown) {
  return Object.entries(breakdown || {})
    .sort((a, b) => b[1] - a[1])
    .map(([name, value]) => [[name || '(none)', false], [formatValue(value), true]]);
}

function showSummary(current) {
  element('now-connections').textContent = formatValue(current.connections);
  element('now-clients').textContent = formatValue(current.clients);
  element('now-users').textContent = formatValue(current.users);
  element('now-topics').textContent = formatValue(current.topics);
  element('now-subscriptions').textContent = formatValue(current.subscriptions);
  element('now-publishes').textContent = formatValue(current.publishes_total);
}

// The newest sample on a DOM element, for tests and for anyone reading the page's source.
function showLastSample(history) {
  const last = history.length > 0 ? history[history.length - 1] : null;
  const target = element('last-sample');
  target.dataset.samples = String(history.length);
  for (const field of ['time_ms', 'publishes_total', 'publishes_per_second', 'deliveries_per_second', 'drops_per_second', 'connections']) {
    const value = last ? last[field] : null;
    target.dataset[field.replace(/_([a-z])/g, (_, letter) => letter.toUpperCase())] = value == null ? '' : String(value);
  }
}

function showCharts(history) {
  for (const chart of charts) {
    const points = history.map((sample) => ({ time: sample.time_ms, value: sample[chart.field] }));
    const canvas = element(chart.id);
    drawLineChart(canvas, points, { windowMs: chartWindowMs, color: chart.color });
    const last = points.length > 0 ? points[points.length - 1].value : null;
    canvas.dataset.last = last == null ? '' : String(last);
    canvas.dataset.points = String(points.length);
    canvas.dataset.peak = String(points.reduce((max, point) => (point.value > max ? point.value : max), 0));
    element(chart.latest).textContent = last == null ? '' : `${formatValue(last, 1)}${chart.unit}`;
  }
}

function showTables(overview) {
  fillTable('nodes', (overview.nodes || []).map((node) => [
    [`${node.name || node.id || ''}${node.self ? ' (this node)' : ''}`, false],
    [formatValue(node.connections), true], [formatValue(node.clients), true],
    [formatValue(node.users), true], [formatValue(node.topics), true],
    [node.uptime_ms != null ? `${Math.round(node.uptime_ms / 60000)} min` : '', true],
    [(node.urls || []).join(' '), false],
  ]), 'no node information');
  fillTable('transports', breakdownRows(overview.connections_by_transport), 'no connections metric');
  fillTable('client-states', breakdownRows(overview.clients_by_state), 'no clients metric');
  fillTable('drop-reasons', breakdownRows(overview.drops_by_reason), 'no drops');
  const topics = overview.topics || {};
  fillTable('topics-subscribers', (topics.by_subscribers || []).map((topic) => [
    [topic.topic, false], [formatValue(topic.subscribers), true],
  ]), topics.error || 'no topics');
  fillTable('topics-rates', (topics.by_rate || []).map((topic) => [
    [topic.topic, false], [formatValue(topic.publishes_per_second, 1), true], [formatValue(topic.publishes), true],
  ]), topics.error || 'no publishes counted per topic');
  fillTable('recent-logs', (overview.recent_logs || []).slice().reverse().map((entry) => [
    [entry.time_ms ? new Date(entry.time_ms).toLocaleTimeString() : '', false],
    [entry.level ?? '', false], [entry.instance ?? '', false], [entry.message ?? '', false],
  ]), 'none');
  const health = overview.health || {};
  const problems = (health.problems || []).map((problem) => `${problem.instance || problem.plugin}: ${problem.reason}`);
  const readiness = element('readiness');
  readiness.textContent = health.ready ? 'ready' : `not ready${problems.length ? `: ${problems.join('; ')}` : ''}`;
  readiness.className = health.ready ? 'muted' : 'problem';
}

function show(overview) {
  const history = overview.history || [];
  showSummary(overview.current || {});
  showCharts(history);
  showLastSample(history);
  showTables(overview);
  element('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  const problems = overview.problems || [];
  setStatus('live', problems.length ? `live (${problems.join('; ')})` : 'live');
}

function askForToken(message) {
  clearTimeout(timer);
  timer = null;
  setStatus('token', 'token needed');
  element('token-form').hidden = false;
  element('token-error').textContent = message;
  element('token').focus();
}

async function poll() {
  timer = null;
  const headers = {};
  const token = sessionStorage.getItem(tokenKey);
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  try {
    const response = await fetch('api/overview', { headers, cache: 'no-store' });
    if (response.status === 401) {
      sessionStorage.removeItem(tokenKey);
      askForToken(token ? 'that token was refused' : '');
      return;
    }
    if (!response.ok) {
      setStatus('error', `the server answered ${response.status}`);
    } else {
      const overview = await response.json();
      intervalMs = overview.sample_interval_ms > 0 ? overview.sample_interval_ms : defaultIntervalMs;
      show(overview);
    }
  } catch (error) {
    setStatus('error', `cannot reach the server (${error.message})`);
  }
  timer = setTimeout(poll, intervalMs);
}

element('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = element('token').value.trim();
  if (!token) {
    element('token-error').textContent = 'enter the token';
    return;
  }
  sessionStorage.setItem(tokenKey, token);
  element('token').value = '';
  element('token-form').hidden = true;
  element('token-error').textContent = '';
  if (timer === null) {
    poll();
  }
});

window.addEventListener('resize', () => {
  if (timer !== null) {
    clearTimeout(timer);
    poll();
  }
});

poll();
