// Downloads that take a while (the roster as CSV or Excel, the certificate PDF) say what is
// happening. A link marked data-download fetches its file itself and reports progress in a
// live region next to it; without JavaScript it stays a plain download link.
(function () {
  "use strict";

  if (!window.fetch || !window.Blob || !window.URL || !URL.createObjectURL) return;

  var MESSAGES = {
    login: "Du er ikke lenger logget inn. Last siden på nytt, logg inn og prøv igjen.",
    400: "Filteret kan ikke brukes, så filen ble ikke laget. Rett filteret, trykk Vis og prøv igjen.",
    403: "Du har ikke tilgang til denne filen. Kontroller at du er logget inn med riktig bruker.",
    404: "Fant ikke filen. Last siden på nytt og prøv igjen.",
    // Only the certificate PDF answers 409: it was revoked since the page was loaded.
    409: "Kursbeviset er trukket tilbake og kan ikke lastes ned. Last siden på nytt for å se hvorfor.",
    429: "Du har lastet ned for mye på kort tid. Vent litt og prøv igjen.",
    server: "Noe gikk galt hos oss, og filen ble ikke laget. Prøv igjen om litt.",
    network: "Nedlastingen ble avbrutt. Kontroller nettforbindelsen og prøv igjen.",
  };
  MESSAGES[422] = MESSAGES[400];
  // Revoking the object URL at once can cancel the download in some browsers; FileSaver.js
  // waits 40 seconds for the same reason.
  var REVOKE_AFTER_MS = 40000;
  var REDRAW_EVERY_MS = 200;

  // The links in one block share one status line, and one download at a time.
  var groups = new Map();

  function groupFor(link) {
    var block = link.parentElement;
    var group = groups.get(block);
    if (group) return group;
    // The live region holds the short news (started, downloading, done, failed) and is
    // announced; the ticking seconds and megabytes sit beside it, visible but not announced,
    // so a screen reader is not interrupted every second.
    var box = document.createElement("div");
    box.className = "download-status";
    var message = document.createElement("span");
    message.className = "download-message";
    message.setAttribute("role", "status");
    var progress = document.createElement("span");
    progress.className = "download-progress";
    box.append(message, " ", progress);
    block.after(box);
    group = { box: box, message: message, progress: progress, running: false };
    groups.set(block, group);
    return group;
  }

  // The live region must be in the page before its first message, or it may go unannounced.
  document.querySelectorAll("a[data-download]").forEach(groupFor);

  function megabytes(bytes) {
    if (bytes < 1000000) return Math.ceil(bytes / 1000) + "\u00a0kB";
    return (bytes / 1000000).toFixed(1).replace(".", ",") + "\u00a0MB";
  }

  function show(group, state, message, progress) {
    group.box.setAttribute("data-state", state);
    if (group.message.textContent !== message) group.message.textContent = message;
    group.progress.textContent = progress;
  }

  function setRunning(link, group, running) {
    group.running = running;
    link.parentElement.querySelectorAll("a[data-download]").forEach(function (each) {
      if (running) {
        each.setAttribute("aria-disabled", "true");
      } else {
        each.removeAttribute("aria-disabled");
      }
    });
  }

  function failure(message) {
    var error = new Error(message);
    error.forPerson = true;
    return error;
  }

  function messageFor(status) {
    if (MESSAGES[status]) return MESSAGES[status];
    if (status >= 500) return MESSAGES.server;
    return "Nedlastingen mislyktes (feil " + status + "). Last siden på nytt og prøv igjen.";
  }

  function fileName(disposition, link) {
    var match = /filename\*\s*=\s*utf-8''([^;\s]+)/i.exec(disposition || "");
    var name = "";
    if (match) {
      try {
        name = decodeURIComponent(match[1]);
      } catch (ignored) {
        name = "";
      }
    }
    if (!name) {
      match = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(disposition || "");
      name = match ? match[1] || match[2] : "";
    }
    if (!name) name = link.getAttribute("download") || "";
    if (!name) name = new URL(link.href).pathname.split("/").pop() || "";
    return name.replace(/[\\/]/g, "_") || "nedlasting";
  }

  // Reads the body chunk by chunk, so the bytes received can be shown as they arrive.
  function readBody(response, onProgress) {
    if (!response.body || !response.body.getReader) {
      return response.blob().then(function (blob) {
        return { chunks: [blob], size: blob.size };
      });
    }
    var reader = response.body.getReader();
    var chunks = [];
    var size = 0;
    function pump() {
      return reader.read().then(function (step) {
        if (step.done) return { chunks: chunks, size: size };
        if (step.value.byteLength) {
          chunks.push(step.value);
          size += step.value.byteLength;
          onProgress(size);
        }
        return pump();
      });
    }
    return pump();
  }

  function save(blob, name) {
    var url = URL.createObjectURL(blob);
    var anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = name;
    anchor.hidden = true;
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    window.setTimeout(function () {
      URL.revokeObjectURL(url);
    }, REVOKE_AFTER_MS);
  }

  function download(link, group) {
    var started = Date.now();
    var waiting = function () {
      var seconds = Math.floor((Date.now() - started) / 1000);
      show(group, "waiting", "Lager filen …", "(" + seconds + "\u00a0s)");
    };
    setRunning(link, group, true);
    waiting();
    // The headers come at once, but the body only once the server has made the file (the
    // Excel workbook is built whole first): until the first bytes arrive, it is being made.
    var ticker = window.setInterval(waiting, 1000);
    fetch(link.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        // A session that has ended answers with a redirect to the login page.
        if (response.redirected) throw failure(MESSAGES.login);
        if (!response.ok) throw failure(messageFor(response.status));
        var name = fileName(response.headers.get("Content-Disposition"), link);
        // Content-Length counts compressed bytes when the response is compressed.
        var length = response.headers.get("Content-Encoding")
          ? NaN
          : parseInt(response.headers.get("Content-Length") || "", 10);
        var drawn = 0;
        var progress = function (size) {
          window.clearInterval(ticker);
          var now = Date.now();
          if (now - drawn < REDRAW_EVERY_MS && size !== length) return;
          drawn = now;
          var text = megabytes(size);
          if (length > 0) {
            var percent = Math.min(100, Math.floor((size / length) * 100));
            text += " av " + megabytes(length) + " (" + percent + "\u00a0%)";
          }
          show(group, "loading", "Laster ned …", text);
        };
        return readBody(response, progress).then(function (body) {
          var type = response.headers.get("Content-Type") || "application/octet-stream";
          save(new Blob(body.chunks, { type: type }), name);
          show(group, "done", "Ferdig: " + name + " (" + megabytes(body.size) + ")", "");
        });
      })
      .catch(function (error) {
        show(group, "error", error && error.forPerson ? error.message : MESSAGES.network, "");
      })
      .then(function () {
        window.clearInterval(ticker);
        setRunning(link, group, false);
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[data-download]") : null;
    if (!link || event.defaultPrevented) return;
    // A click with a modifier (new tab, save as) does what the browser does with any link.
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    var group = groupFor(link);
    if (group.running) return; // aria-disabled: one download at a time
    download(link, group);
  });
})();
