// One module as a SCORM SCO (1.2 or 2004): finds the LMS's API, restores and reports progress,
// grades the quiz as innostudy does (course/grading.py), and ends the session on unload.
// Plain script, no build step, no network: the LMS's API object is all it talks to.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("sco-config").textContent);
  var quiz = config.quiz;
  var is12 = config.version === "1.2";
  var SUSPEND_LIMIT = 4096; // SCORM 1.2's cmi.suspend_data

  // -- Finding the API: the window's parents, then its opener's, as the specifications say --
  function search(win, name) {
    for (var tries = 0; win && tries < 500; tries += 1) {
      try {
        if (win[name]) return win[name];
      } catch (e) {
        // A parent on another origin: keep looking further up.
      }
      var parent = null;
      try {
        parent = win.parent;
      } catch (e) {
        return null;
      }
      if (!parent || parent === win) return null;
      win = parent;
    }
    return null;
  }

  function findApi(name) {
    var api = search(window, name);
    if (!api) {
      try {
        if (window.top && window.top.opener) api = search(window.top.opener, name);
        if (!api && window.opener) api = search(window.opener, name);
      } catch (e) {
        api = null;
      }
    }
    return api;
  }

  var CALLS = is12
    ? {name: "API", init: "LMSInitialize", get: "LMSGetValue", set: "LMSSetValue",
       commit: "LMSCommit", finish: "LMSFinish"}
    : {name: "API_1484_11", init: "Initialize", get: "GetValue", set: "SetValue",
       commit: "Commit", finish: "Terminate"};
  var api = findApi(CALLS.name);
  var running = false;
  var sent = {}; // what the LMS has from us: only changed values are sent again
  var dirty = false;

  function get(element) {
    return running ? String(api[CALLS.get](element)) : "";
  }

  function set(element, value) {
    value = String(value);
    if (!running || sent[element] === value) return;
    if (String(api[CALLS.set](element, value)) === "true") {
      sent[element] = value;
      dirty = true;
    }
  }

  function commit() {
    if (running && dirty) {
      api[CALLS.commit]("");
      dirty = false;
    }
  }

  // -- Session time: HHHH:MM:SS.SS in 1.2, an ISO 8601 duration in 2004 --
  var started = Date.now();

  function pad(value, width) {
    var text = String(value);
    while (text.length < width) text = "0" + text;
    return text;
  }

  function sessionTime(milliseconds) {
    var centis = Math.max(0, Math.round(milliseconds / 10));
    var hours = Math.floor(centis / 360000);
    var minutes = Math.floor(centis / 6000) % 60;
    var seconds = Math.floor(centis / 100) % 60;
    var hundredths = centis % 100;
    if (is12) {
      return pad(Math.min(hours, 9999), 4) + ":" + pad(minutes, 2) + ":" + pad(seconds, 2) +
        "." + pad(hundredths, 2);
    }
    var text = "PT";
    if (hours) text += hours + "H";
    if (minutes) text += minutes + "M";
    if (seconds || hundredths || !(hours || minutes)) {
      text += seconds + (hundredths ? "." + pad(hundredths, 2) : "") + "S";
    }
    return text;
  }

  // -- The state kept in suspend_data: {"v":1,"r":1,"p":1,"b":N,"a":"ab.c"} --
  var state = {read: false, passed: false, best: -1, answers: ""};

  function restore(text) {
    try {
      var data = JSON.parse(text);
      if (!data || data.v !== 1) return;
      state.read = data.r === 1;
      state.passed = data.p === 1;
      state.best = typeof data.b === "number" ? data.b : -1;
      state.answers = typeof data.a === "string" ? data.a : "";
    } catch (e) {
      // Nothing usable: start afresh.
    }
  }

  function suspendData() {
    var data = {v: 1, r: state.read ? 1 : 0, p: state.passed ? 1 : 0};
    if (state.best >= 0) data.b = state.best;
    if (state.answers) data.a = state.answers;
    var text = JSON.stringify(data);
    return text.length <= SUSPEND_LIMIT ? text : JSON.stringify({v: 1, r: data.r, p: data.p});
  }

  // -- What the LMS is told --
  function completed() {
    return state.read && (state.passed || !quiz);
  }

  function report() {
    set("cmi.suspend_data", suspendData());
    var attempted = quiz && state.best >= 0;
    if (attempted) {
      var total = quiz.questions.length;
      var score = total ? Math.round((state.best / total) * 10000) / 10000 : 1;
      var raw = Math.round(score * 10000) / 100;
      set(is12 ? "cmi.core.score.min" : "cmi.score.min", "0");
      set(is12 ? "cmi.core.score.max" : "cmi.score.max", "100");
      set(is12 ? "cmi.core.score.raw" : "cmi.score.raw", raw);
      if (!is12) set("cmi.score.scaled", score);
    }
    if (is12) {
      var status = "incomplete";
      if (completed()) status = quiz ? "passed" : "completed";
      else if (attempted && !state.passed) status = "failed";
      set("cmi.core.lesson_status", status);
    } else {
      set("cmi.completion_status", completed() ? "completed" : "incomplete");
      if (attempted) set("cmi.success_status", state.passed ? "passed" : "failed");
    }
  }

  function start() {
    if (!api) return;
    running = String(api[CALLS.init]("")) === "true";
    if (!running) return;
    restore(get("cmi.suspend_data"));
    if (is12) {
      var status = get("cmi.core.lesson_status");
      if (status === "passed" || status === "completed") state.read = true;
      if (status === "passed") state.passed = true;
    } else if (get("cmi.completion_status") === "completed") {
      state.read = true;
      if (quiz && get("cmi.success_status") === "passed") state.passed = true;
    }
    report();
    commit();
  }

  var finished = false;

  function finish() {
    if (!running || finished) return;
    finished = true;
    set(is12 ? "cmi.core.session_time" : "cmi.session_time", sessionTime(Date.now() - started));
    if (is12) set("cmi.core.exit", completed() ? "" : "suspend");
    else set("cmi.exit", completed() ? "normal" : "suspend");
    api[CALLS.finish]("");
    running = false;
  }

  // -- The page --
  function show(element, visible) {
    if (element) element.hidden = !visible;
  }

  function showProgress() {
    show(document.getElementById("read-done"), state.read);
    show(document.getElementById("mark-read"), !state.read);
    show(document.getElementById("module-done"), completed());
  }

  function markRead() {
    state.read = true;
    report();
    commit();
    showProgress();
    var done = document.getElementById("read-done");
    if (done) done.setAttribute("role", "status");
  }

  function chosen(fieldset) {
    var letters = "";
    fieldset.querySelectorAll("input:checked").forEach(function (input) {
      letters += input.value;
    });
    return letters.split("").sort().join("");
  }

  function missingMessage(numbers) {
    var listed = numbers.map(String);
    if (listed.length > 1) {
      var last = listed.pop();
      listed[listed.length - 1] += " og " + last;
    }
    return "Svar på alle spørsmålene før du sender inn. Mangler svar på: spørsmål " +
      listed.join(", ") + ".";
  }

  function clearOutcome(fieldset) {
    fieldset.classList.remove("is-correct", "is-wrong");
    show(fieldset.querySelector(".question-outcome"), false);
    fieldset.querySelectorAll(".feedback").forEach(function (item) {
      show(item, false);
    });
  }

  function showOutcome(fieldset, selected, correct) {
    fieldset.classList.add(correct ? "is-correct" : "is-wrong");
    var outcome = fieldset.querySelector(".question-outcome");
    show(outcome, true);
    show(outcome.querySelector("[data-verdict=correct]"), correct);
    show(outcome.querySelector("[data-verdict=wrong]"), !correct);
    fieldset.querySelectorAll(".feedback").forEach(function (item) {
      show(item, selected.indexOf(item.getAttribute("data-option")) >= 0);
    });
  }

  function showResult(correct, total, passed) {
    var result = document.getElementById("quiz-result");
    result.querySelectorAll("[data-result]").forEach(function (item) {
      var when = item.getAttribute("data-result");
      var visible = when === "unread" ? passed && !state.read : (when === "passed") === passed;
      show(item, visible);
    });
    var percent = Math.round(total ? (correct * 100) / total : 100);
    result.querySelector(".score").textContent =
      "Du hadde " + correct + " av " + total + " riktige (" + percent + "\u00a0%).";
    show(result, true);
    result.focus();
  }

  function submitQuiz(event) {
    event.preventDefault();
    var form = event.target;
    var fieldsets = form.querySelectorAll("fieldset[data-question]");
    var answers = [];
    var missing = [];
    fieldsets.forEach(function (fieldset, index) {
      var letters = chosen(fieldset);
      answers.push(letters);
      if (!letters) missing.push(index + 1);
    });
    var error = document.getElementById("quiz-error");
    if (missing.length) {
      error.querySelector("p").textContent = missingMessage(missing);
      show(error, true);
      error.focus();
      return;
    }
    show(error, false);
    var correct = 0;
    fieldsets.forEach(function (fieldset, index) {
      var right = answers[index] === quiz.questions[index].correct;
      if (right) correct += 1;
      clearOutcome(fieldset);
      showOutcome(fieldset, answers[index], right);
    });
    var total = quiz.questions.length;
    // correct / total >= pass mark, in whole numbers, as course/grading.py decides it
    var passed = total ? correct * quiz.pass[1] >= quiz.pass[0] * total : true;
    state.best = Math.max(state.best, correct);
    state.passed = state.passed || passed;
    state.answers = answers.join(".");
    report();
    commit();
    showProgress();
    showResult(correct, total, passed);
  }

  function restoreAnswers(form) {
    var answers = state.answers ? state.answers.split(".") : [];
    form.querySelectorAll("fieldset[data-question]").forEach(function (fieldset, index) {
      var letters = answers[index] || "";
      fieldset.querySelectorAll("input").forEach(function (input) {
        input.checked = letters.indexOf(input.value) >= 0;
      });
    });
  }

  function tryAgain() {
    var form = document.getElementById("quiz-form");
    form.querySelectorAll("fieldset[data-question]").forEach(clearOutcome);
    show(document.getElementById("quiz-result"), false);
    var first = form.querySelector("input");
    if (first) first.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    start();
    var notice = document.getElementById("lms-status");
    if (!running) {
      notice.textContent = "Fant ingen læringsplattform (LMS). Du kan lese og ta quizen, " +
        "men fremdriften blir ikke lagret.";
      show(notice, true);
    }
    document.getElementById("mark-read").addEventListener("click", markRead);
    var form = document.getElementById("quiz-form");
    if (form) {
      restoreAnswers(form);
      form.addEventListener("submit", submitQuiz);
      document.getElementById("quiz-again").addEventListener("click", tryAgain);
    }
    showProgress();
  });
  window.addEventListener("pagehide", finish);
  window.addEventListener("beforeunload", finish);
})();
