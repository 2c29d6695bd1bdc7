/* The chief judge's marks grid (templates/judging/_grid.html). Progressive: without this file the view selector
   has its own button and each "退回" link opens the sheet page with its return form.
   - choosing a view in the selector shows it at once;
   - "退回" opens the page's return dialog for that sheet (reason, then the styled confirmation of app.js). */
(function () {
  "use strict";
  var select = document.querySelector("select[data-autosubmit]");
  if (select) {
    var hide = select.form.querySelector("[data-js-hide]");
    if (hide) { hide.hidden = true; }
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  }
  var dialog = document.getElementById("return-dialog");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var form = dialog.querySelector("form");
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-return]") : null;
    if (!link) { return; }
    event.preventDefault();
    form.setAttribute("action", link.getAttribute("data-return"));
    dialog.querySelector("#return-which").textContent = link.getAttribute("data-which");
    dialog.showModal();
    var reason = form.querySelector("textarea");
    if (reason) { reason.focus(); }
  });
  dialog.querySelector("[data-close]").addEventListener("click", function () { dialog.close(); });
  form.addEventListener("submit", function (event) {
    var reason = form.querySelector("textarea");
    if (reason && !reason.value.trim()) { event.preventDefault(); event.stopImmediatePropagation(); reason.focus(); }
  }, true);
})();
