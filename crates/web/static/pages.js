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
