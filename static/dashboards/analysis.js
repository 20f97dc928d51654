/* Maps of the analysis pages (hotspots, dagrapport): data from a json_script block, Leaflet from npm, no external
   tiles unless the installation configured a tile URL (data-tile-url). No inline script: CSP-safe. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function textTip(text) {
    var span = document.createElement("span");
    span.textContent = text;  // names from the database never become HTML
    return span;
  }

  function baseMap(element) {
    var map = L.map(element, { scrollWheelZoom: false, attributionControl: true });
    var url = element.getAttribute("data-tile-url");
    if (url) {
      L.tileLayer(url, { attribution: element.getAttribute("data-tile-attribution") || "", maxZoom: 19 }).addTo(map);
    }
    return map;
  }

  function outline(map, data) {
    if (data && data.outline) {
      L.geoJSON(data.outline, {
        style: { color: "#555", weight: 1.5, fillColor: "#ffffff", fillOpacity: 0.6 }, interactive: false
      }).addTo(map);
    }
  }

  function refitOnPrint(map, bounds, options) {
    // The printed map has another size than on screen: redraw it for the paper and back.
    function refit() {
      map.invalidateSize(false);
      if (bounds) map.fitBounds(bounds, options);
    }
    window.addEventListener("beforeprint", refit);
    window.addEventListener("afterprint", refit);
    if (window.matchMedia) {
      var query = window.matchMedia("print");
      if (query.addEventListener) query.addEventListener("change", refit);
    }
  }

  function densityClass(value, max) {
    var share = max > 0 ? value / max : 0;
    if (share > 0.6) return "#b30000";
    if (share > 0.35) return "#e34a33";
    if (share > 0.15) return "#fdbb84";
    return "#fee8c8";
  }

  function hotspotMap() {
    var element = document.getElementById("hotspot-map");
    var data = readJson("hotspot-data");
    if (!element || !data || typeof L === "undefined") return;
    var map = baseMap(element);
    outline(map, data);
    var max = 0;
    data.cells.forEach(function (c) { if (c.d > max) max = c.d; });
    var group = L.featureGroup();
    data.cells.forEach(function (c) {
      var rect = L.rectangle(c.b, {
        stroke: c.h, color: "#000", weight: c.h ? 3 : 0, fillColor: densityClass(c.d, max),
        fillOpacity: c.d > 0 ? 0.75 : 0.2
      });
      var text = c.n + " " + element.getAttribute("data-label-count") + ", z = " + c.z.toFixed(2);
      if (c.h) text += " (" + element.getAttribute("data-label-hotspot") + ")";
      rect.bindTooltip(textTip(text));
      group.addLayer(rect);
    });
    group.addTo(map);
    if (group.getLayers().length) {
      map.fitBounds(group.getBounds());
      refitOnPrint(map, group.getBounds());
    } else {
      map.setView([52.37, 5.22], 12);
    }
  }

  function dagrapportMap() {
    var element = document.getElementById("dagrapport-map");
    var data = readJson("dagrapport-data");
    if (!element || !data || typeof L === "undefined") return;
    var points = data.points;
    var map = baseMap(element);
    outline(map, data);
    var group = L.featureGroup();
    var letters = ["N", "O", "M", "A", "?"];
    points.forEach(function (p) {
      var icon = L.divIcon({
        className: "incident-icon",
        html: '<span class="marker dagdeel-' + p.d + '">' + letters[p.d] + "</span>",
        iconSize: [20, 20]
      });
      var marker = L.marker([p.lat, p.lon], { icon: icon, keyboard: false });
      marker.bindTooltip(textTip((p.t ? p.t + " " : "") + p.c + ", " + p.b));
      group.addLayer(marker);
    });
    group.addTo(map);
    var bounds = null;
    if (group.getLayers().length) {
      bounds = group.getBounds().pad(0.15);
    } else if (data.outline) {
      bounds = L.geoJSON(data.outline).getBounds();
    }
    if (bounds) {
      map.fitBounds(bounds, { maxZoom: 14 });
    } else {
      map.setView([52.37, 5.22], 11);
    }
    refitOnPrint(map, bounds, { maxZoom: 14 });
    var report = document.querySelector("[data-autoprint]");
    if (report) {
      window.setTimeout(function () { window.print(); }, 600);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    hotspotMap();
    dagrapportMap();
  });
})();
