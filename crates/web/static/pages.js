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
