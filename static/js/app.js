/* Behaviour shared by every page (loaded by base.html; no inline scripts: the Content-Security-Policy allows
   scripts from this site's files only).
   - data-confirm="…" on a form (or its submit button) asks before submitting. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target, button = event.submitter;
    var text = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (text && !window.confirm(text)) { event.preventDefault(); }
  }, true);
})();
