/* Certificate layout editor: previews the layout document as it is typed; texts come from the page (data-*). */
(function () {
  "use strict";
  var area = document.getElementById("document"), img = document.getElementById("preview");
  if (!area || !img) { return; }
  var mode = document.getElementById("preview-mode"), box = document.getElementById("layout-errors");
  var note = document.getElementById("preview-note"), text = note.dataset;
  var token = document.querySelector("meta[name=csrf-token]").content, timer = null, shown = null;
  function showErrors(list) {
    box.innerHTML = "";
    if (!list.length) { box.hidden = true; return; }
    var b = document.createElement("b"); b.textContent = text.invalid; box.appendChild(b);
    var ul = document.createElement("ul");
    list.forEach(function (e) { var li = document.createElement("li"), c = document.createElement("code");
      c.textContent = e; li.appendChild(c); ul.appendChild(li); });
    box.appendChild(ul); box.hidden = false;
  }
  function refresh() {
    var body = new FormData(); body.append("document", area.value); body.append("mode", mode.value);
    note.textContent = text.working;
    fetch(img.dataset.url, {method: "POST", body: body, credentials: "same-origin", headers: {"X-CSRFToken": token}})
      .then(function (r) {
        if (r.status === 400) { return r.json().then(function (j) { showErrors(j.errors || []); note.textContent = text.failedInput; }); }
        if (!r.ok) { throw new Error(r.status); }
        return r.blob().then(function (blob) {
          if (shown) { URL.revokeObjectURL(shown); }
          shown = URL.createObjectURL(blob); img.src = shown; showErrors([]); note.textContent = text.done;
        });
      })
      .catch(function () { note.textContent = text.failedNetwork; });
  }
  area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 600); });
  mode.addEventListener("change", refresh);
})();
