/* The judges x criteria picker of the judging setup page (templates/judging/setup.html). Progressive: without this
   file the checkboxes post as they are ("全部" wins over single criteria). With it:
   - ticking "全部" ticks the judge's every criterion, unticking a criterion unticks "全部";
   - ticking all of a judge's criteria ticks "全部" back;
   - each criterion column gets a "全选" box that ticks or unticks the column for every judge. */
(function () {
  "use strict";
  function rowBoxes(row) { return Array.prototype.slice.call(row.querySelectorAll("input[data-code]")); }
  function columnBoxes(form, code) {
    return Array.prototype.slice.call(form.querySelectorAll('tbody input[data-code="' + code + '"]'));
  }
  function syncRow(row) {
    var all = row.querySelector("input[data-all]"), boxes = rowBoxes(row);
    if (all) { all.checked = boxes.length > 0 && boxes.every(function (b) { return b.checked; }); }
  }
  function syncColumns(form) {
    form.querySelectorAll("input[data-column]").forEach(function (head) {
      var boxes = columnBoxes(form, head.getAttribute("data-column"));
      head.checked = boxes.length > 0 && boxes.every(function (b) { return b.checked; });
    });
  }
  document.querySelectorAll("form[data-assign-picker]").forEach(function (form) {
    form.querySelectorAll("[data-js-show]").forEach(function (el) { el.hidden = false; });
    syncColumns(form);
    form.addEventListener("change", function (event) {
      var box = event.target, row = box.closest("tr");
      if (box.hasAttribute("data-all")) {
        rowBoxes(row).forEach(function (b) { b.checked = box.checked; });
      } else if (box.hasAttribute("data-column")) {
        columnBoxes(form, box.getAttribute("data-column")).forEach(function (b) {
          b.checked = box.checked;
          syncRow(b.closest("tr"));
        });
      } else if (box.hasAttribute("data-code")) {
        syncRow(row);
      }
      syncColumns(form);
    });
  });
})();
