// kansoku dashboard: live updates over server-sent events. Every value from the server is
// written with textContent (never innerHTML), except the chart, which the server renders
// as escaped SVG.
"use strict";
(function () {
  var live = document.getElementById("live");
  function setLive(text, ok) {
    if (!live) return;
    live.textContent = text;
    live.className = ok ? "live on" : "live off";
  }
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }
  function time(micros) {
    return new Date(micros / 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }
  function showAlert(a) {
    var table = document.getElementById("alerts");
    if (!table) return;
    var body = table.tBodies[0];
    var old = body.querySelector('tr[data-id="' + CSS.escape(a.id) + '"]');
    if (old) old.remove();
    var tr = document.createElement("tr");
    tr.setAttribute("data-id", a.id);
    tr.className = "sev-" + String(a.severity).replace(/[^a-z]/g, "") + " fresh";
    cell(tr, time(a.last_seen));
    cell(tr, a.kind);
    cell(tr, a.tenant);
    cell(tr, a.severity);
    cell(tr, String(a.count), "num");
    cell(tr, a.summary);
    body.insertBefore(tr, body.firstChild);
  }
  var lastDetections = null;
  function refreshChart() {
    var chart = document.getElementById("chart");
    if (!chart) return;
    fetch("/api/chart", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (svg) { if (svg) chart.innerHTML = svg; })
      .catch(function () {});
  }
  function showStats(s) {
    var set = function (id, v) { var e = document.getElementById(id); if (e) e.textContent = String(v); };
    set("detections", s.detections);
    set("alerts-raised", s.alerts_raised);
    set("spool", s.spool_bytes);
    (s.sources || []).forEach(function (src) {
      var row = document.querySelector('#sources tr[data-source="' + CSS.escape(src.name) + '"]');
      if (!row) return;
      ["received", "accepted", "rejected", "dropped", "stored"].forEach(function (k) {
        var td = row.querySelector('td[data-k="' + k + '"]');
        if (td) td.textContent = String(src[k]);
      });
    });
    if (lastDetections !== null && s.detections !== lastDetections) refreshChart();
    lastDetections = s.detections;
  }
  if (!window.EventSource) { setLive("no live updates in this browser", false); return; }
  var es = new EventSource("/events");
  es.onopen = function () { setLive("live", true); };
  es.onerror = function () { setLive("reconnecting…", false); };
  es.addEventListener("alert", function (e) {
    try { showAlert(JSON.parse(e.data)); } catch (err) {}
  });
  es.addEventListener("stats", function (e) {
    try { showStats(JSON.parse(e.data)); } catch (err) {}
  });
})();
