/* The address-level (hennep) map: the buurt outlines as a grey background and one marker per cleared farm, a letter
   for its property type (the legend beside the map lists them), its address in the tooltip. The data are in the
   page (json_script), so the map makes no request of its own; no external tiles unless the page names a layer. */
(function () {
  "use strict";
  var element = document.getElementById("hennep-map");
  if (!element || typeof L === "undefined") { return; }
  var data = element.dataset;
  var status = document.getElementById("hennep-map-status");

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function text(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  var map = L.map(element, {zoomSnap: 0.25});
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, {attribution: data.tileAttribution || "", maxZoom: 19}).addTo(map);
  }
  if (data.attribution) { map.attributionControl.addAttribution(text(data.attribution)); }

  var outlines = read("hennep-outlines");
  var background = null;
  if (outlines && outlines.features && outlines.features.length) {
    background = L.geoJSON(outlines, {
      style: function () { return {color: "#8a8a8a", weight: 1, fillColor: "#f2f2f2", fillOpacity: 1}; },
      onEachFeature: function (feature, shape) {
        shape.bindTooltip(text(feature.properties.name), {sticky: true, className: "area-tooltip"});
      }
    }).addTo(map);
  }

  var points = read("hennep-points") || [];
  var markers = L.featureGroup();
  points.forEach(function (p) {
    var symbol = /^[A-Z?]$/.test(p.symbol) ? p.symbol : "?";
    var icon = L.divIcon({className: "hennep-marker hennep-marker-" + symbol, html: symbol, iconSize: [22, 22],
                          iconAnchor: [11, 11]});
    var html = "<strong>" + text(p.address) + "</strong><br>" + text(p.date) + " · " + text(p.type) +
      "<br>" + text(data.labelPlants) + ": " + text(p.plants === null ? "–" : p.plants) +
      "<br>" + text(data.labelBuurt) + ": " + text(p.buurt);
    L.marker([p.lat, p.lon], {icon: icon, keyboard: true, title: p.address + " (" + p.type + ")", alt: p.type})
      .bindTooltip(html, {className: "area-tooltip"}).addTo(markers);
  });
  markers.addTo(map);

  var bounds = background ? background.getBounds() : markers.getBounds();
  if (bounds.isValid()) { map.fitBounds(bounds, {padding: [8, 8]}); } else { map.setView([52.37, 5.21], 11); }
  if (!points.length && status) { status.textContent = data.labelNone; }
}());
