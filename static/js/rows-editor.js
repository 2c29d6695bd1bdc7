/* Rows editors (a form with data-rows-editor): "添加一行" appends a copy of the form's <template data-row-template>
   row to its <tbody data-rows>; each row's [data-remove-row] button removes that row. The server validates the
   rows and shows a refused table again as typed, with the problem in each bad row. No inline script (CSP). */
(function () {
  "use strict";

  function addRow(form) {
    var body = form.querySelector("[data-rows]");
    var template = form.querySelector("template[data-row-template]");
    if (!body || !template) return;
    var row = template.content.querySelector("tr").cloneNode(true);
    body.appendChild(row);
    var first = row.querySelector("input:not([type=hidden]), select");
    if (first) first.focus();
  }

  function removeRow(button) {
    var row = button.closest("tr");
    var form = button.closest("form");
    if (!row) return;
    var next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    var focus = (next && next.querySelector("input:not([type=hidden]), select")) ||
      (form && form.querySelector("[data-add-row]"));
    if (focus) focus.focus();
  }

  document.querySelectorAll("form[data-rows-editor]").forEach(function (form) {
    form.addEventListener("click", function (event) {
      var add = event.target.closest("[data-add-row]");
      if (add && form.contains(add)) {
        event.preventDefault();
        addRow(form);
        return;
      }
      var remove = event.target.closest("[data-remove-row]");
      if (remove && form.contains(remove)) {
        event.preventDefault();
        removeRow(remove);
      }
    });
    form.setAttribute("data-rows-ready", "1");
  });
})();
