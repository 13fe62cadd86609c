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
