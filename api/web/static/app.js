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
})();
