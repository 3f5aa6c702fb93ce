// A job's page follows the job while it runs: it asks for the job's state (a small JSON answer,
// /admin/jobber/{id}/status) and moves the progress bar. When the job has ended, the page's job
// section is fetched again, so the file link and the buttons are the server's own. A live
// region announces each new state, not every percent. Without JavaScript the page has a link
// that reloads it.
(function () {
  "use strict";

  var section = document.querySelector("[data-job-status]");
  if (!section || !window.fetch || !window.DOMParser) return;

  var statusUrl = section.getAttribute("data-job-status");
  var news = document.getElementById("jobb-nytt");
  var FIRST_MS = 500;
  var EVERY_MS = 1000;
  var SLOWEST_MS = 15000;
  var MESSAGES = {
    login: "Du er ikke lenger logget inn. Last siden på nytt og logg inn for å følge jobben.",
    gone: "Fant ikke jobben lenger. Gå til listen over jobber.",
    trouble: "Får ikke kontakt med serveren. Prøver igjen …",
    succeeded: "Jobben er ferdig.",
    file: "Jobben er ferdig. Filen er klar til nedlasting.",
  };
  var failures = 0;
  // The state the page was rendered with: announce only what changes after that.
  var shown = section.querySelector("[data-job-state]");
  var lastLabel = shown ? shown.textContent.trim() : null;

  var refresh = section.querySelector("[data-job-refresh]");
  if (refresh) refresh.textContent = "Siden viser hvor langt jobben har kommet, mens den kjører.";

  function say(text) {
    if (news && news.textContent !== text) news.textContent = text;
  }

  function stop(text) {
    say(text);
    if (refresh) refresh.textContent = text;
  }

  function update(job) {
    var state = section.querySelector("[data-job-state]");
    if (state) {
      state.textContent = job.state_label;
      state.className = job.badge;
    }
    var attempts = section.querySelector("[data-job-attempts]");
    if (attempts) attempts.textContent = job.attempt + " av " + job.max_attempts;
    var bar = section.querySelector("progress");
    var text = section.querySelector("[data-job-progress]");
    if (bar && job.progress_percent !== null) {
      bar.value = job.progress_percent;
      bar.textContent = job.progress_percent + "\u00a0%";
      if (text) {
        text.textContent =
          job.progress_percent + "\u00a0%" + (job.progress_message ? ": " + job.progress_message : "");
      }
    }
    if (job.state_label !== lastLabel) {
      say("Status: " + job.state_label);
      lastLabel = job.state_label;
    }
  }

  // The job has ended: show the page's own job section, as a reload would.
  function showFinished(job) {
    return fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("jobb");
        if (!fresh) throw new Error("no job section");
        var hadFocus = section.contains(document.activeElement);
        section.replaceWith(fresh);
        if (hadFocus) fresh.focus();
        if (job.state === "succeeded") {
          say(fresh.querySelector(".job-file") ? MESSAGES.file : MESSAGES.succeeded);
        } else {
          say("Status: " + job.state_label);
        }
      })
      .catch(function () {
        window.location.reload();
      });
  }

  function poll() {
    fetch(statusUrl, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (response.redirected) return stop(MESSAGES.login);
        if (response.status === 404) return stop(MESSAGES.gone);
        if (response.status === 401 || response.status === 403) return stop(MESSAGES.login);
        if (!response.ok) throw new Error(String(response.status));
        return response.json().then(function (job) {
          failures = 0;
          update(job);
          if (job.finished) return showFinished(job);
          window.setTimeout(poll, EVERY_MS);
        });
      })
      .catch(function () {
        failures += 1;
        if (failures >= 3) say(MESSAGES.trouble);
        window.setTimeout(poll, Math.min(SLOWEST_MS, EVERY_MS * Math.pow(2, failures)));
      });
  }

  window.setTimeout(poll, FIRST_MS);
})();
