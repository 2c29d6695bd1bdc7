/* Behaviour shared by every page (loaded by base.html; no inline scripts: the Content-Security-Policy allows
   scripts from this site's files only).
   - data-confirm="…" on a form (or its submit button) asks before submitting, in the page's own dialog
     (#app-confirm in base.html) that states the consequence; data-confirm-title gives it a heading.
     Without <dialog> support the browser's confirm() is the fallback. */
(function () {
  "use strict";
  var dialog = document.getElementById("app-confirm");
  var confirmed = null;  // the form the person has just confirmed: its next submit goes through

  document.addEventListener("submit", function (event) {
    var form = event.target, button = event.submitter;
    if (confirmed === form) { confirmed = null; return; }
    var text = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (!text) { return; }
    event.preventDefault();
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(text)) { confirmed = form; form.requestSubmit(button || undefined); }
      return;
    }
    var title = (button && button.getAttribute("data-confirm-title")) || form.getAttribute("data-confirm-title");
    var heading = dialog.querySelector("#app-confirm-title");
    if (!heading.hasAttribute("data-default")) { heading.setAttribute("data-default", heading.textContent); }
    heading.textContent = title || heading.getAttribute("data-default");
    dialog.querySelector("#app-confirm-text").textContent = text;
    var ok = dialog.querySelector("#app-confirm-ok");
    ok.className = "btn " + ((button && /btn-danger/.test(button.className)) ? "btn-danger-solid" : "btn-primary");
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue === "ok") { confirmed = form; form.requestSubmit(button || undefined); }
    };
    dialog.showModal();
  }, true);
})();
