/* Progress of a background job (a certificate batch, a roster import, a backup): polls the JSON status route named
   by the box's data-status-url until the job has finished, and fills the box:
   - progress[data-job-progress] gets the percentage;
   - [data-job-field=NAME] gets the text of the status's NAME (status_label, phase, done, total, message...);
   - [data-job-error] is shown with the error, if any;
   - [data-job-show-when=NAME] is shown once the status's NAME is true (e.g. "zip" for the download buttons). */
(function () {
  "use strict";
  function follow(box) {
    var bar = box.querySelector("progress[data-job-progress]");
    function show(s) {
      if (bar) { bar.value = s.percent; }
      box.querySelectorAll("[data-job-field]").forEach(function (el) {
        var value = s[el.getAttribute("data-job-field")];
        el.textContent = value === undefined || value === null ? "" : String(value);
      });
      box.querySelectorAll("[data-job-error]").forEach(function (el) {
        if (s.error) { el.textContent = s.error; el.hidden = false; } else { el.hidden = true; }
      });
      box.querySelectorAll("[data-job-show-when]").forEach(function (el) {
        if (s[el.getAttribute("data-job-show-when")]) { el.hidden = false; }
      });
      box.setAttribute("data-status", s.status);
    }
    function poll() {
      fetch(box.getAttribute("data-status-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) {
          if (!r.ok) { throw new Error(r.status); }
          return r.json();
        })
        .then(function (s) {
          show(s);
          if (s.finished) { box.setAttribute("data-finished", "1"); } else { setTimeout(poll, 1000); }
        })
        .catch(function () { setTimeout(poll, 3000); });  // a dropped connection or a restarting server: keep trying
    }
    if (box.getAttribute("data-finished") !== "1") { poll(); }
  }
  document.querySelectorAll("[data-status-url][data-job]").forEach(follow);
})();
