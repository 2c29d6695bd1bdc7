/* Mark-correction picker (form[data-correction-picker], templates/results/_mark_correction.html): when a row's entry,
   criterion or judge changes, the row's <output data-old> shows the submitted mark being corrected, read from the
   entry's marks.json (the entry option's data-marks-url; fetched once per entry). Judges who have no mark for the
   chosen criterion are marked in the list. Rows are added and removed by rows-editor.js; the server validates every
   row (the picker only helps choosing). No inline script (CSP). */
(function () {
  "use strict";

  var cache = {};

  function marksOf(url) {
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (body) { return body.marks || []; })
        .catch(function (error) { delete cache[url]; throw error; });
    }
    return cache[url];
  }

  function pick(row, name) {
    return row.querySelector("[data-pick='" + name + "']");
  }

  function refresh(form, row) {
    var entry = pick(row, "entry"), target = pick(row, "target"), judge = pick(row, "judge");
    var old = row.querySelector("[data-old]");
    if (!entry || !target || !judge || !old) return;
    var option = entry.options[entry.selectedIndex];
    var url = option && option.getAttribute("data-marks-url");
    if (!url) {
      old.textContent = "—";
      row.removeAttribute("data-old-ready");
      return;
    }
    old.textContent = form.getAttribute("data-loading") || "…";
    var asked = entry.value + "|" + target.value + "|" + judge.value;
    row.setAttribute("data-asked", asked);
    marksOf(url).then(function (marks) {
      if (row.getAttribute("data-asked") !== asked) return; // the row changed meanwhile
      var marked = {};
      var value = null;
      marks.forEach(function (m) {
        if (m.criterion === target.value) marked[m.judge] = m.value;
      });
      Array.prototype.forEach.call(judge.options, function (o) {
        if (!o.value) return;
        o.textContent = o.textContent.replace(/ ✓$/, "") + (target.value && o.value in marked ? " ✓" : "");
      });
      if (target.value && judge.value) {
        value = judge.value in marked ? marked[judge.value] : null;
        old.textContent = value === null ? (form.getAttribute("data-no-mark") || "—") : value;
      } else {
        old.textContent = "—";
      }
      row.setAttribute("data-old-ready", "1");
    }, function () {
      old.textContent = "—";
      row.setAttribute("data-old-ready", "1");
    });
  }

  document.querySelectorAll("form[data-correction-picker]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var row = event.target.closest("[data-correction-row]");
      if (row && event.target.matches("[data-pick]")) refresh(form, row);
    });
    form.querySelectorAll("[data-correction-row]").forEach(function (row) { refresh(form, row); });
    form.setAttribute("data-picker-ready", "1");
  });
})();
