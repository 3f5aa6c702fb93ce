// The module editor: live preview rendered on the server, and jumping to a problem's line.
(function () {
  "use strict";

  var form = document.getElementById("editor");
  var textarea = document.getElementById("markdown");
  var preview = document.getElementById("forhandsvisning");
  var state = document.getElementById("forhandsvisning-status");
  if (!form || !textarea || !preview) return;

  var timer = null;
  var sent = 0;

  function replacePart(fragment, id) {
    var fresh = fragment.querySelector("#" + id);
    var old = document.getElementById(id);
    if (fresh && old) old.replaceWith(fresh);
    return fresh;
  }

  function updatePreview() {
    var number = ++sent;
    preview.setAttribute("aria-busy", "true");
    state.textContent = "Oppdaterer…";
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        if (number !== sent) return; // a newer preview is on its way
        var template = document.createElement("template");
        template.innerHTML = html; // rendered and sanitised on the server
        var problems = replacePart(template.content, "problemer");
        replacePart(template.content, "forhandsvisning-innhold");
        var invalid = problems && problems.getAttribute("data-has-errors") === "true";
        if (invalid) {
          textarea.setAttribute("aria-invalid", "true");
        } else {
          textarea.removeAttribute("aria-invalid");
        }
        preview.removeAttribute("aria-busy");
        state.textContent = invalid ? "(har feil)" : "";
      })
      .catch(function () {
        if (number !== sent) return;
        preview.removeAttribute("aria-busy");
        state.textContent = "(kunne ikke oppdateres, prøv knappen Oppdater forhåndsvisning)";
      });
  }

  textarea.addEventListener("input", function () {
    window.clearTimeout(timer);
    state.textContent = "…";
    timer = window.setTimeout(updatePreview, 400);
  });

  // "Linje 12" in the problem list selects line 12 in the text field.
  function selectLine(number) {
    var lines = textarea.value.split("\n");
    var line = Math.max(1, Math.min(number, lines.length));
    var start = 0;
    for (var i = 0; i < line - 1; i++) start += lines[i].length + 1;
    var end = start + lines[line - 1].length;
    textarea.focus();
    textarea.setSelectionRange(start, end);
    var lineHeight = parseFloat(window.getComputedStyle(textarea).lineHeight) || 20;
    textarea.scrollTop = Math.max(0, (line - 3) * lineHeight);
  }

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[data-line]") : null;
    if (!link) return;
    event.preventDefault();
    selectLine(parseInt(link.getAttribute("data-line"), 10) || 1);
  });
})();
