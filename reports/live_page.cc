// The dashboard page and its script (reports/live_view.h): a static page whose script polls
// /live.json every second and fills the figures in. No framework, no external resource.
#include "reports/live_view.h"

namespace slotsim {

std::string DashboardPage() {
  return R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>slotsim live</title>
<style>
body { font-family: system-ui, sans-serif; color: #222; margin: 24px auto; max-width: 960px;
       padding: 0 12px; }
h1 { font-size: 20px; } h2 { font-size: 15px; margin-top: 24px; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; }
.tile { border: 1px solid #ddd; border-radius: 4px; padding: 8px 12px; min-width: 130px; }
.tile b { display: block; font-size: 22px; font-variant-numeric: tabular-nums; }
.tile span { font-size: 12px; color: #555; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { background: #dff3e0; } .fail { background: #fbe0e0; } .active { background: #fbe0e0; }
#status { font-size: 12px; color: #555; }
</style>
<script src="/dashboard.js" defer></script>
</head>
<body>
<h1>slotsim live: <span id="scenario">-</span></h1>
<p id="status">waiting for the first snapshot&hellip;</p>
<div class="tiles">
<div class="tile"><b id="elapsed">-</b><span>elapsed / duration (s)</span></div>
<div class="tile"><b id="clients">-</b><span>active clients</span></div>
<div class="tile"><b id="ops">-</b><span>ops/s (last interval)</span></div>
<div class="tile"><b id="errors">-</b><span>errors (total)</span></div>
<div class="tile"><b id="mode">-</b><span>storage mode</span></div>
<div class="tile"><b id="verdict">-</b><span>thresholds failing now</span></div>
</div>
<h2>Operations</h2>
<table><thead><tr><th>operation</th><th>count</th><th>errors</th><th>ops/s</th>
<th>p99 (ms, last interval)</th><th>p99 (ms, run)</th></tr></thead>
<tbody id="op-rows"></tbody></table>
<h2>Fault windows</h2>
<table><thead><tr><th>fault</th><th>start (s)</th><th>end (s)</th><th>now</th></tr></thead>
<tbody id="fault-rows"></tbody></table>
<h2>Thresholds (on the figures so far)</h2>
<table><thead><tr><th></th><th>metric</th><th>condition</th><th>value</th></tr></thead>
<tbody id="threshold-rows"></tbody></table>
</body>
</html>
)html";
}

std::string DashboardScript() {
  return R"js('use strict';
(function () {
  function text(id, v) { document.getElementById(id).textContent = v; }
  function fixed(v, d) { return typeof v === 'number' ? v.toFixed(d) : '-'; }
  function row(cells, cls) {
    var tr = document.createElement('tr');
    if (cls) tr.className = cls;
    cells.forEach(function (c) {
      var td = document.createElement('td');
      td.textContent = c;
      tr.appendChild(td);
    });
    return tr;
  }
  function fill(id, rows) {
    var body = document.getElementById(id);
    body.replaceChildren.apply(body, rows);
  }
  function show(s) {
    text('scenario', s.scenario + ' on ' + s.target);
    text('elapsed', fixed(s.elapsed_s, 0) + ' / ' + fixed(s.duration_s, 0));
    text('clients', String(s.clients.live));
    text('ops', fixed(s.ops_per_s, 1));
    text('errors', String(s.errors_total));
    text('mode', s.mode);
    text('verdict', s.thresholds_failed + ' of ' + s.thresholds.length);
    fill('op-rows', Object.keys(s.ops).map(function (op) {
      var o = s.ops[op];
      return row([op, o.count, o.errors, fixed(o.ops_per_s, 1), fixed(o.p99_ms, 2),
                  fixed(o.p99_ms_run, 2)]);
    }));
    fill('fault-rows', s.faults.map(function (f) {
      return row([f.kind, fixed(f.start_s, 1), fixed(f.end_s, 1), f.active ? 'active' : ''],
                 f.active ? 'active' : '');
    }));
    fill('threshold-rows', s.thresholds.map(function (t) {
      return row([t.ok ? 'pass' : 'fail', t.metric, t.condition,
                  t.value === null ? 'no data' : fixed(t.value, 3)], t.ok ? 'pass' : 'fail');
    }));
    document.body.dataset.sequence = String(s.sequence);
    text('status', (s.done ? 'run ended' : 'running') + ' \u00b7 snapshot ' + s.sequence +
         ' \u00b7 updated ' + new Date().toLocaleTimeString());
  }
  function poll() {
    fetch('/live.json', {cache: 'no-store'})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s && s.schema) show(s); })
      .catch(function () { text('status', 'no answer from slotsim (run over?)'); });
  }
  poll();
  setInterval(poll, 1000);
})();
)js";
}

}  // namespace slotsim
