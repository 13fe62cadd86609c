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
