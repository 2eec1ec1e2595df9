/*
 * The pages' few behaviours, in one file the Content-Security-Policy allows ('self'): no inline
 * script, no inline handler, no eval (htmx's hx-on would need 'unsafe-eval').
 *  - "移除…" buttons of repeated fieldsets (.remove-row) remove their fieldset;
 *  - the need hall swaps 400 and 503 answers in, so the reason shows where the results would;
 *  - the hall's facet panel starts folded on a phone, so the results come first;
 *  - a read-only input marked data-select-on-focus selects its text (the invitation link).
 */
"use strict";

(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".remove-row");
    if (!button) return;
    var fieldset = button.closest("fieldset");
    if (fieldset) fieldset.remove();
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.target.closest && event.target.closest("[data-swap-errors]");
    if (!form) return;
    var status = event.detail.xhr.status;
    if (status === 400 || status === 503) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (input && input.hasAttribute && input.hasAttribute("data-select-on-focus")) input.select();
  });

  function foldOnPhone() {
    var panels = document.querySelectorAll("details[data-fold-on-phone]");
    if (!panels.length || !window.matchMedia("(max-width: 47.99rem)").matches) return;
    panels.forEach(function (panel) { panel.open = false; });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", foldOnPhone);
  } else {
    foldOnPhone();
  }
})();
