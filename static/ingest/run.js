// Live progress of an import run: polls GET /api/v1/imports/{id} until the run is finished, then reloads the page
// for the report. CSP-safe: no inline script; the API address comes from a data- attribute.
(function () {
  "use strict";
  var box = document.getElementById("run-status");
  if (!box || box.getAttribute("data-finished") === "1") { return; }
  var url = box.getAttribute("data-run-url");
  var bar = document.getElementById("run-progress");
  var text = document.getElementById("run-progress-text");
  var label = document.getElementById("run-status-label");
  var finished = ["succeeded", "rejected", "failed"];
  var delay = 1000;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (run) {
        if (!run) { delay = Math.min(delay * 2, 15000); window.setTimeout(poll, delay); return; }
        if (bar) { bar.value = run.progress; bar.textContent = run.progress + "%"; }
        if (text) { text.textContent = run.progress + "%"; }
        if (label && run.statusLabel) { label.textContent = run.statusLabel; }
        if (finished.indexOf(run.status) >= 0) { window.location.reload(); return; }
        window.setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 15000); window.setTimeout(poll, delay); });
  }
  window.setTimeout(poll, delay);
})();
