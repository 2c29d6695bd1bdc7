/* Certificate batch page: follows the batch's progress until it has finished. */
(function () {
  "use strict";
  var box = document.getElementById("batch");
  if (!box) { return; }
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        document.getElementById("batch-progress").value = s.percent;
        document.getElementById("batch-count").textContent = s.done + " / " + s.total;
        document.getElementById("batch-status").textContent = s.status_label;
        document.getElementById("batch-phase").textContent = s.phase || "";
        document.getElementById("batch-issued").textContent = s.issued;
        document.getElementById("batch-reprinted").textContent = s.reprinted;
        var err = document.getElementById("batch-error");
        if (s.error) { err.textContent = s.error; err.hidden = false; }
        if (s.zip) { document.getElementById("batch-downloads").hidden = false; }
        if (!s.finished) { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });  // a dropped connection: keep trying
  }
  if (box.dataset.finished !== "1") { poll(); }
})();
