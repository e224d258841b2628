// Live preview on the entry form: post the form to /beheer/voorbeeld as the editor types
// and show the three renderings. The page works without it ("Voorbeeld bijwerken").
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  var target = document.getElementById("voorbeeld");
  // A short status for screen readers, not the whole preview after every pause in typing.
  var status = document.getElementById("voorbeeld-status");
  if (!form || !target || !window.fetch) { return; }
  var timer = null;
  var latest = 0;
  function update() {
    var ticket = ++latest;
    var data = new FormData(form);
    data.delete("action");
    fetch("/beheer/voorbeeld", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html !== null && ticket === latest) {
          target.innerHTML = html;  // our own server's escaped rendering
          target.setAttribute("data-bijgewerkt", String(ticket));
          if (status) { status.textContent = "Voorbeeld bijgewerkt"; }
        }
      })
      .catch(function () { /* the button still works */ });
  }
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 300);
  });
  var errors = document.getElementById("fouten");
  if (errors) { errors.focus(); }
})();
