/* The dashboard map: buurten (or wijken) from the figure API as GeoJSON, coloured by the class of their rate per
   1000 inhabitants (the legend beside the map lists the classes), hatched when too few people live there. No
   inline script, no external tiles unless the page names a tile layer; the table beside the map has every figure. */
(function () {
  "use strict";
  var element = document.getElementById("dashboard-map");
  if (!element || typeof L === "undefined") { return; }
  var data = element.dataset;
  var status = document.getElementById("map-status");
  var COLOURS = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"];
  var map = L.map(element, {zoomSnap: 0.25, attributionControl: true});
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, {attribution: data.tileAttribution || "", maxZoom: 19}).addTo(map);
  }

  function text(value) { return String(value).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]; }); }

  function number(value) {
    return typeof value === "number" ? value.toLocaleString(document.documentElement.lang || "nl",
      {maximumFractionDigits: 1}) : "–";
  }

  function draw(collection) {
    var shades = {};
    (collection.legend || []).forEach(function (c) { shades[c.rateClass] = c.shade; });
    var layer = L.geoJSON(collection, {
      style: function (feature) {
        var p = feature.properties;
        var hasRate = p.ratePer1000 !== null && p.rateClass !== null;
        return {color: "#333", weight: 1, opacity: 1, fillOpacity: hasRate ? 0.75 : 1,
                fillColor: hasRate ? COLOURS[shades[p.rateClass] || 0] : "url(#hatch)"};
      },
      onEachFeature: function (feature, shape) {
        var p = feature.properties;
        var rate = p.ratePer1000 !== null ? number(p.ratePer1000)
          : (p.inhabitants === null ? data.labelUnknown : data.labelTooFew);
        var html = "<strong>" + text(p.name) + "</strong> <small>" + text(p.code) + "</small><br>" +
          text(data.labelCount) + ": " + number(p.count) + "<br>" + text(data.labelRate) + ": " + text(rate) +
          "<br>" + text(data.labelInhabitants) + ": " + (p.inhabitants === null ? "–" : number(p.inhabitants));
        if (data.level === "buurt") { html += "<br><em>" + text(data.labelOpen) + "</em>"; }
        shape.bindTooltip(html, {sticky: true, className: "area-tooltip"});
        shape.on("mouseover", function () { shape.setStyle({weight: 3}); });
        shape.on("mouseout", function () { shape.setStyle({weight: 1}); });
        if (data.level === "buurt") {
          shape.on("click", function () {
            window.location.href = data.buurtUrl.replace("{code}", encodeURIComponent(p.code));
          });
        }
      }
    }).addTo(map);
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, {padding: [8, 8]}); } else { map.setView([52.37, 5.21], 11); }
    if (collection.attribution) { map.attributionControl.addAttribution(text(collection.attribution)); }
    if (status) { status.textContent = ""; }
  }

  fetch(data.geojsonUrl, {credentials: "same-origin", headers: {"Accept": "application/geo+json"}})
    .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
    .then(draw)
    .catch(function () {
      map.setView([52.37, 5.21], 11);
      if (status) { status.textContent = data.labelError; }
    });
}());
