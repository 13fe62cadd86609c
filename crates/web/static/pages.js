// Yiwang 一网通办 — the one script of the pages. Progressive enhancement only: every page works
// without it. No framework, no outside scripts.
"use strict";
(function () {
  // Folded filters: open on a wide screen, folded behind their button on a phone.
  var narrow = window.matchMedia("(max-width: 800px)");
  document.querySelectorAll("details.fold").forEach(function (d) {
    if (narrow.matches && !d.hasAttribute("data-keep-open")) d.open = false;
  });
})();
(function () {
  // Public pages and the citizen journey (issue 12, part a): mark that the script runs (the
  // search then keeps its folded filter button above the results), and give every copyable
  // case number a copy button.
  document.documentElement.classList.add("js");
  if (!navigator.clipboard) return;
  var zh = document.documentElement.lang !== "en";
  document.querySelectorAll("code.copyable").forEach(function (c) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "small secondary copy-button";
    b.textContent = zh ? "复制" : "Copy";
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(c.textContent.trim()).then(function () {
        b.textContent = zh ? "已复制" : "Copied";
      });
    });
    c.insertAdjacentElement("afterend", b);
  });
})();
// ---- Staff screens (issue 12 §6): common phrases of an opinion (审批意见常用语) ----
// Without a script the officer picks a phrase from the select and the server puts it first;
// with one, each phrase becomes a button that writes it into the opinion at once.
(function () {
  document.querySelectorAll("select.phrase-pick").forEach(function (sel) {
    var box = document.getElementById(sel.getAttribute("data-for"));
    if (!box) return;
    var put = function (text) {
      var now = box.value.trim();
      if (now.indexOf(text) === -1) box.value = now ? now + text : text;
      box.focus();
    };
    var row = document.createElement("div");
    row.className = "phrase-buttons";
    Array.prototype.forEach.call(sel.options, function (o) {
      if (!o.value) return;
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary phrase";
      b.textContent = o.value;
      if (o.textContent !== o.value) b.title = o.textContent;
      b.addEventListener("click", function () { put(o.value); });
      row.appendChild(b);
    });
    sel.addEventListener("change", function () {
      if (sel.value) put(sel.value);
      sel.value = "";
    });
    sel.parentNode.appendChild(row);
    sel.parentNode.classList.add("enhanced");
  });
})();

(function () {
  // Division fields: a cascading province → city → county → town picker above the text field
  // (which still takes a typed name or code). Backed by GET /api/v1/divisions.
  var inputs = document.querySelectorAll("input[data-division]");
  if (!inputs.length || !window.fetch) return;
  function load(parent) {
    var url = "/api/v1/divisions" + (parent ? "?parent=" + encodeURIComponent(parent) : "");
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.ok ? r.json() : [];
    });
  }
  inputs.forEach(function (input) {
    var levels = (input.getAttribute("data-levels") || "|||").split("|");
    var box = document.createElement("div");
    box.className = "division-picker";
    var selects = [];
    levels.forEach(function (label, i) {
      var s = document.createElement("select");
      s.id = input.id + "-level" + i;
      s.setAttribute("aria-label", (input.getAttribute("data-field") || "") + " " + label);
      s.hidden = i > 0;
      s.addEventListener("change", function () { chosen(i); });
      selects.push(s);
      box.appendChild(s);
    });
    function fill(i, items) {
      var s = selects[i];
      s.innerHTML = "";
      var none = document.createElement("option");
      none.value = "";
      none.textContent = levels[i];
      s.appendChild(none);
      items.forEach(function (d) {
        var o = document.createElement("option");
        o.value = d.code;
        o.textContent = d.name;
        o.setAttribute("data-full", (d.full_name || d.name).replace(/\s+/g, ""));
        s.appendChild(o);
      });
      s.hidden = items.length === 0;
    }
    function chosen(i) {
      var s = selects[i];
      for (var j = i + 1; j < selects.length; j++) { fill(j, []); }
      if (!s.value) return;
      var o = s.options[s.selectedIndex];
      input.value = o.getAttribute("data-full") || o.textContent;
      if (i + 1 < selects.length) {
        load(s.value).then(function (items) { fill(i + 1, items); });
      }
    }
    input.parentNode.insertBefore(box, input);
    load("").then(function (items) { fill(0, items); });
  });
})();
// ---- Appeals (issue 15): picking a point on the server-drawn SVG map ----
// The map (`.map-box` around an `<svg data-bbox data-projection>`) names its longitude and
// latitude inputs (`data-lon`, `data-lat`). Without a script those inputs are plain number
// inputs beside the map and an address works too; with one, a click on the map sets them and
// moves the pin there, and typing them moves the pin (keyboard users type the numbers).
(function () {
  var SVGNS = "http://www.w3.org/2000/svg";
  // The projection: x = (lon - lon0) * kx, y = (lat0 - lat) * ky in viewBox units. Read from
  // `data-projection` (`key=value` pairs separated by `;` or `,`, or JSON); failing that, the
  // viewBox is taken to span `data-bbox` exactly.
  function projection(svg) {
    var vb = svg.viewBox && svg.viewBox.baseVal;
    var bbox = (svg.getAttribute("data-bbox") || "").split(",").map(Number);
    var p = {};
    var raw = svg.getAttribute("data-projection") || "";
    try {
      if (raw.trim().charAt(0) === "{") p = JSON.parse(raw);
      else raw.split(/[;\s]+/).forEach(function (kv) {
        var i = kv.indexOf("=");
        if (i > 0) p[kv.slice(0, i).trim()] = Number(kv.slice(i + 1));
      });
    } catch (e) { p = {}; }
    var lon0 = p.lon0 !== undefined ? p.lon0 : p.min_lon;
    var lat0 = p.lat0 !== undefined ? p.lat0 : p.max_lat;
    var kx = p.kx !== undefined ? p.kx : p.scale_x;
    var ky = p.ky !== undefined ? p.ky : p.scale_y;
    if (p.scale !== undefined && kx === undefined) {
      ky = p.scale;
      kx = p.scale * (p.cos !== undefined ? p.cos : Math.cos(((bbox[1] + bbox[3]) / 2) * Math.PI / 180));
    }
    var ox = p.ox || p.pad || 0, oy = p.oy || p.pad || 0;
    if ([lon0, lat0, kx, ky].some(function (v) { return typeof v !== "number" || !isFinite(v); })) {
      if (!vb || bbox.length !== 4 || bbox.some(isNaN) || !vb.width || !vb.height) return null;
      lon0 = bbox[0]; lat0 = bbox[3];
      kx = vb.width / (bbox[2] - bbox[0]); ky = vb.height / (bbox[3] - bbox[1]);
      ox = vb.x; oy = vb.y;
    }
    return {
      toLonLat: function (x, y) { return [lon0 + (x - ox) / kx, lat0 - (y - oy) / ky]; },
      toXY: function (lon, lat) { return [ox + (lon - lon0) * kx, oy + (lat0 - lat) * ky]; }
    };
  }
  document.querySelectorAll(".map-box[data-lon][data-lat]").forEach(function (box) {
    var svg = box.querySelector("svg");
    var lonIn = document.getElementById(box.getAttribute("data-lon"));
    var latIn = document.getElementById(box.getAttribute("data-lat"));
    if (!svg || !lonIn || !latIn || !svg.getScreenCTM) return;
    var proj = projection(svg);
    if (!proj) return;
    var status = document.getElementById("pick-status");
    var zh = document.documentElement.lang !== "en";
    // The server draws the filed or typed point as a pin (`g.marker`); a new pick replaces it
    // with the same pin, moved by a transform.
    var drawn = svg.querySelector("g.marker");
    var pin = document.createElementNS(SVGNS, "g");
    pin.setAttribute("class", "marker pick-marker");
    pin.setAttribute("visibility", "hidden");
    var head = document.createElementNS(SVGNS, "path");
    head.setAttribute("d", "M0 0 l-7 -14 a8 8 0 1 1 14 0 z");
    head.setAttribute("fill", "#e8590c");
    head.setAttribute("stroke", "#ffffff");
    head.setAttribute("stroke-width", "1.5");
    var dot = document.createElementNS(SVGNS, "circle");
    dot.setAttribute("cx", "0");
    dot.setAttribute("cy", "-16");
    dot.setAttribute("r", "2.5");
    dot.setAttribute("fill", "#ffffff");
    pin.appendChild(head);
    pin.appendChild(dot);
    svg.appendChild(pin);
    function place(lon, lat) {
      var xy = proj.toXY(lon, lat);
      if (drawn && drawn.parentNode) drawn.parentNode.removeChild(drawn);
      pin.setAttribute("transform", "translate(" + xy[0] + " " + xy[1] + ")");
      pin.setAttribute("visibility", "visible");
    }
    function fromInputs() {
      var lon = parseFloat(lonIn.value), lat = parseFloat(latIn.value);
      if (isFinite(lon) && isFinite(lat)) place(lon, lat);
    }
    var typed = [lonIn.value, latIn.value].join(",");
    svg.classList.add("pickable");
    svg.addEventListener("click", function (ev) {
      var ctm = svg.getScreenCTM();
      if (!ctm) return;
      var pt = svg.createSVGPoint();
      pt.x = ev.clientX; pt.y = ev.clientY;
      var u = pt.matrixTransform(ctm.inverse());
      var ll = proj.toLonLat(u.x, u.y);
      lonIn.value = ll[0].toFixed(6);
      latIn.value = ll[1].toFixed(6);
      place(ll[0], ll[1]);
      lonIn.dispatchEvent(new Event("change"));
      if (status) status.textContent = (zh ? "已选位置：" : "Point picked: ") + lonIn.value + ", " + latIn.value;
    });
    lonIn.addEventListener("input", fromInputs);
    latIn.addEventListener("input", fromInputs);
    // The page shown again with a point: the server's pin is there already.
    if (!drawn && typed !== ",") fromInputs();
  });
})();
