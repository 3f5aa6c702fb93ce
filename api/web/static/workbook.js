// The workbook's forms save a draft while the learner types (the form itself still works
// without JavaScript). A save from a stale revision (another tab saved since) is refused by
// the server, which sends the conflict notice to show: nothing is overwritten silently.
(function () {
  "use strict";

  var DELAY = 1200; // ms after the last keystroke

  function setup(form) {
    var status = form.querySelector("[data-workbook-status]");
    var conflict = form.querySelector("[data-workbook-conflict]");
    var revision = form.querySelector("input[name=revision]");
    var timer = null;
    var dirty = false;
    var sending = false;
    var stopped = form.querySelector(".wb-conflict") !== null;

    function say(text) {
      if (status) status.textContent = text;
    }

    function send() {
      timer = null;
      if (stopped || !dirty) return;
      if (sending) {
        timer = setTimeout(send, DELAY);
        return;
      }
      sending = true;
      dirty = false;
      say("Lagrer …");
      fetch(form.action + "/utkast", {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.json().then(function (body) {
            return { status: response.status, body: body };
          });
        })
        .then(function (result) {
          if (result.status === 200) {
            revision.value = String(result.body.revision);
            var at = result.body.saved_at ? new Date(result.body.saved_at) : new Date();
            say("Lagret kl. " + at.toLocaleTimeString("nb-NO", { hour: "2-digit", minute: "2-digit" }) + ".");
          } else if (result.status === 409) {
            stopped = true; // until the learner chooses which version to keep
            conflict.innerHTML = result.body.html;
            say("Ikke lagret: oppgaven er endret et annet sted.");
            var notice = conflict.querySelector("[role=alert]");
            if (notice) notice.focus();
          } else {
            say(result.body.detail || "Ikke lagret. Prøv å lagre med knappen.");
          }
        })
        .catch(function () {
          dirty = true;
          say("Ikke lagret ennå: får ikke kontakt med tjenesten. Prøver igjen når du skriver mer, eller lagre med knappen.");
        })
        .then(function () {
          sending = false;
        });
    }

    function changed() {
      dirty = true;
      if (stopped) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(send, DELAY);
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () {
      if (timer) clearTimeout(timer);
      dirty = false; // the ordinary submit sends it
    });
    // Leaving with unsaved text: send it on the way out.
    window.addEventListener("pagehide", function () {
      if (dirty && !stopped && navigator.sendBeacon) {
        navigator.sendBeacon(form.action + "/utkast", new FormData(form));
      }
    });
  }

  // A table gets a button for one more row (without JavaScript, saving adds empty rows).
  function addRows(form) {
    form.querySelectorAll(".wb-table").forEach(function (table) {
      var button = table.querySelector("[data-add-row]");
      var hint = table.querySelector("[data-without-js]");
      if (!button) return;
      button.hidden = false;
      if (hint) hint.hidden = true;
      button.addEventListener("click", function () {
        var body = table.querySelector("tbody");
        var last = body.lastElementChild;
        var number = body.children.length; // rows are numbered from 0
        var row = last.cloneNode(true);
        row.querySelectorAll("input, select").forEach(function (cell) {
          cell.name = cell.name.replace(/\.\d+\.([^.]+)$/, "." + number + ".$1");
          cell.setAttribute("aria-label", cell.getAttribute("aria-label").replace(/\d+$/, String(number + 1)));
          cell.value = "";
        });
        body.appendChild(row);
        row.querySelector("input, select").focus();
      });
    });
  }

  document.querySelectorAll("form[data-workbook]").forEach(function (form) {
    addRows(form);
    setup(form);
  });
})();
