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
