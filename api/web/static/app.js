// Small progressive enhancements shared by every page (no inline scripts: the CSP forbids them).
(function () {
  "use strict";

  // A slow form shows that it is working and cannot be sent twice. The button is
  // marked aria-disabled rather than disabled, so its name and value are still sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-busy")) return;
    var button = event.submitter || form.querySelector("button[type=submit]");
    if (button && button.hasAttribute("data-no-busy")) return;
    if (form.getAttribute("aria-busy") === "true") {
      event.preventDefault();
      return;
    }
    form.setAttribute("aria-busy", "true");
    if (button) {
      button.setAttribute("data-label", button.textContent);
      button.setAttribute("aria-disabled", "true");
      button.classList.add("is-busy");
      button.textContent = form.getAttribute("data-busy");
    }
  });

  // Coming back with the browser's back button shows the page as it was left: reset it.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[aria-busy=true]").forEach(function (form) {
      form.removeAttribute("aria-busy");
      form.querySelectorAll("[data-label]").forEach(function (button) {
        button.textContent = button.getAttribute("data-label");
        button.removeAttribute("aria-disabled");
        button.classList.remove("is-busy");
      });
    });
  });

  // An error summary gets the focus, so screen readers read it and keyboard users start there.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) summary.focus();
  });

  // The contents of a module are closed in the HTML, so a phone starts with the text; where the
  // page is wide enough to show them beside the text (style.css: above 60rem) they open.
  var narrow = window.matchMedia("(max-width: 60rem)");
  function openWhenWide() {
    document.querySelectorAll("details[data-open-when-wide]").forEach(function (details) {
      details.open = !narrow.matches;
    });
  }
  openWhenWide(); // deferred: the document is parsed already
  narrow.addEventListener("change", openWhenWide);

  // A table region says whether its table is wider than it is, so the swipe hint shows only then.
  if ("ResizeObserver" in window) {
    var tables = new ResizeObserver(function (entries) {
      entries.forEach(function (entry) {
        var wrap = entry.target.closest(".table-wrap");
        if (wrap) wrap.setAttribute("data-overflow", wrap.scrollWidth > wrap.clientWidth ? "yes" : "no");
      });
    });
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      tables.observe(wrap);
      if (wrap.firstElementChild) tables.observe(wrap.firstElementChild);
    });
  }

  // A menu row that scrolls sideways on a phone starts scrolled to the current page's entry, and
  // scrolls an entry the keyboard focuses fully into view (Chromium leaves a half-hidden one be).
  // The row alone scrolls: scrollIntoView could also scroll the page away from what was read.
  function reveal(row, item, centre) {
    var box = row.getBoundingClientRect();
    var rect = item.getBoundingClientRect();
    var edge = 24; // clear of the edge shadow
    if (rect.left >= box.left + edge && rect.right <= box.right - edge) return;
    if (centre) row.scrollLeft += rect.left - box.left - (box.width - rect.width) / 2;
    else if (rect.left < box.left + edge) row.scrollLeft += rect.left - box.left - edge;
    else row.scrollLeft += rect.right - box.right + edge;
  }
  document.querySelectorAll(".site-nav ul, .subnav ul").forEach(function (row) {
    var current = row.querySelector("[aria-current=page]");
    if (current && row.scrollWidth > row.clientWidth) reveal(row, current, true);
    row.addEventListener("focusin", function (event) {
      if (row.scrollWidth > row.clientWidth) reveal(row, event.target, false);
    });
  });
})();
