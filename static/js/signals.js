/* Address suggestions while typing (signals search and register forms). Fills a <datalist>; no inline script. */
(function () {
  "use strict";
  var list = document.getElementById("address-suggestions");
  if (!list) { return; }
  var url = list.getAttribute("data-url");
  var status = document.getElementById("address-suggestions-status");
  var inputs = document.querySelectorAll("input[data-suggest]");
  var timer = null;
  var last = "";

  function fill(results) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    results.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.value || item.label;
      option.label = item.label;
      list.appendChild(option);
    });
    if (status) {
      status.textContent = results.length ? (status.getAttribute("data-template") || "%s").replace("%s", results.length) : "";
    }
  }

  function lookup(value) {
    if (value === last) { return; }
    last = value;
    if (value.trim().length < 3) { fill([]); return; }
    fetch(url + "?q=" + encodeURIComponent(value), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {results: []}; })
      .then(function (data) { if (value === last) { fill(data.results || []); } })
      .catch(function () { fill([]); });
  }

  Array.prototype.forEach.call(inputs, function (input) {
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { lookup(input.value); }, 200);
    });
  });
}());
