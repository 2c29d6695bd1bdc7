/* contestapp tablet: the judge's assignments and score sheets in one page that keeps working offline.

   Every change of a mark is put in a queue kept in localStorage (it survives a reload or a flat battery) and shown
   as not yet sent until the server has it. The queue is sent in order; each request carries its own Idempotency-Key,
   so a retry after a lost answer never writes twice, and the sheet version the tablet last saw, so a sheet returned
   or changed meanwhile is refused (409 stale) and nothing on the server is overwritten: the unsent values are kept
   and shown to the judge, who can apply them again after checking. In a merit (points) contest a non-zero
   deduction, bonus or veto needs its reason (and some a document number): they travel with the mark in the same
   queue and request, and a sheet is not submitted while one is empty. What the tablet says comes from the page, in
   the page's language (templates/judging/_tablet_text.html, looked up by key with ContestMarks.t).
   Written for contestapp; no dependencies. */
(function () {
  "use strict";
  var M = window.ContestMarks;
  var root = document.getElementById("tablet");
  var API = root.dataset.api, USER = root.dataset.user;
  var CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var QKEY = "contestapp.queue." + USER, DKEY = "contestapp.data." + USER, CKEY = "contestapp.conflicts." + USER;
  var NKEY = "contestapp.conflictNotes." + USER;
  var t = M.t;

  function load(key, fallback) {
    try { var v = JSON.parse(localStorage.getItem(key)); return v === null ? fallback : v; } catch (e) { return fallback; }
  }
  function save(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
  }
  var DEVICE = localStorage.getItem("contestapp.device") || ("tablet-" + uuid().slice(0, 8));
  localStorage.setItem("contestapp.device", DEVICE);

  var state = { rounds: [], sheets: {}, criteria: {}, online: navigator.onLine, busy: false, message: {}, hint: {} };
  // message: what the server said about a sheet (cleared by its next accepted save); hint: what this tablet says
  // before sending (a refused value, a submit that lacks marks or reasons), kept until the judge acts on it.
  var queue = load(QKEY, []);
  var conflicts = load(CKEY, {});
  var conflictNotes = load(NKEY, {});

  function el(tag, attrs, children) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") n.textContent = attrs[k];
      else if (k === "onclick") n.addEventListener("click", attrs[k]);
      else if (k.slice(0, 5) === "data-") n.setAttribute(k, attrs[k]);
      else n[k] = attrs[k];
    });
    (children || []).forEach(function (c) { if (c) n.appendChild(c); });
    return n;
  }

  // --- data -------------------------------------------------------------------------------------------------------
  function ingest(data) {
    state.rounds = data.rounds;
    data.rounds.forEach(function (r) {
      state.criteria[r.round_id] = r.criteria;
      r.sheets.forEach(function (s) { s.confirmed = r.confirmed; state.sheets[s.id] = s; });
    });
  }

  function pendingValues(sheetId) {
    var out = {};
    queue.forEach(function (op) {
      if (op.sheet === sheetId && op.type === "marks") Object.keys(op.marks).forEach(function (k) { out[k] = op.marks[k]; });
    });
    return out;
  }
  function pendingNotes(sheetId) {
    var out = {};
    queue.forEach(function (op) {
      if (op.sheet === sheetId && op.type === "marks" && op.notes) Object.keys(op.notes).forEach(function (k) { out[k] = op.notes[k]; });
    });
    return out;
  }
  function notesOf(sheet) {  // criterion id -> {note, document_no}: the server's, then the unsent ones
    return Object.assign({}, sheet.notes || {}, pendingNotes(sheet.id));
  }
  function needsReason(c, value) {
    return !!c.note_required && value !== undefined && value !== null && M.units(value) !== null && M.units(value) !== 0;
  }
  function missingReasons(sheet, criteria, v) {
    var notes = notesOf(sheet);
    return criteria.filter(function (c) {
      if (!needsReason(c, v[String(c.id)])) return false;
      var n = notes[String(c.id)] || {};
      return !(n.note || "").trim() || (c.document_required && !(n.document_no || "").trim());
    });
  }
  function pendingSubmit(sheetId) { return queue.some(function (op) { return op.sheet === sheetId && op.type === "submit"; }); }
  function hasPending(sheetId) { return queue.some(function (op) { return op.sheet === sheetId; }); }
  function values(sheet) {
    var v = Object.assign({}, sheet.marks || {});
    return Object.assign(v, pendingValues(sheet.id));
  }
  function editable(sheet) {
    return !sheet.confirmed && (sheet.status === "not_started" || sheet.status === "draft" || sheet.status === "returned") && !pendingSubmit(sheet.id);
  }

  function refresh() {
    return fetch(API + "assignments", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.status === 401) { authLost(); throw new Error("auth"); }
        if (!r.ok) throw new Error("http " + r.status);
        return r.json();
      })
      .then(function (data) { save(DKEY, data); ingest(data); setOnline(true); render(); })
      .catch(function (e) {
        if (e.message === "auth") return;
        var cached = load(DKEY, null);
        if (cached && !state.rounds.length) ingest(cached);
        setOnline(false); render();
      });
  }

  // --- sending ----------------------------------------------------------------------------------------------------
  function enqueueMarks(sheetId, marks, notes) {
    var last = queue[queue.length - 1];
    if (last && last.sheet === sheetId && last.type === "marks" && last.version === null) {
      Object.assign(last.marks, marks);  // never sent yet: the same request can still grow
      if (notes) last.notes = Object.assign(last.notes || {}, notes);
    } else {
      queue.push({ key: uuid(), sheet: sheetId, type: "marks", marks: Object.assign({}, marks),
                   notes: notes ? Object.assign({}, notes) : undefined, version: null });
    }
    save(QKEY, queue);
    flush();
  }

  function headers(op) {
    return { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": CSRF,
             "Idempotency-Key": op.key, "X-Device-Id": DEVICE };
  }

  function flush() {
    if (state.busy || !queue.length) { renderNet(); return; }
    state.busy = true;
    var op = queue[0];
    var sheet = state.sheets[op.sheet];
    if (!sheet) { queue.shift(); save(QKEY, queue); state.busy = false; return flush(); }
    if (op.version === null) { op.version = sheet.version; save(QKEY, queue); }  // fixed for every retry
    var url = API + "sheets/" + op.sheet + (op.type === "marks" ? "/marks" : "/submit");
    var body = op.type === "marks"
      ? { version: op.version, marks: Object.keys(op.marks).map(function (k) {
          var item = { criterion_id: +k, value: op.marks[k] };
          var n = op.notes && op.notes[k];
          if (n) { item.note = n.note || ""; item.document_no = n.document_no || ""; }
          return item;
        }) }
      : { version: op.version, confirm: true };
    fetch(url, { method: op.type === "marks" ? "PUT" : "POST", credentials: "same-origin", headers: headers(op), body: JSON.stringify(body) })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (j) { return { status: r.status, body: j }; }); })
      .then(function (res) {
        state.busy = false;
        setOnline(true);
        if (res.status === 200) {
          queue.shift(); save(QKEY, queue);
          var b = res.body;
          sheet.version = b.version; sheet.marks = b.marks; sheet.status = b.status; sheet.total = b.total;
          if (b.notes) sheet.notes = b.notes;
          if (op.type === "submit") { sheet.submitted_at = b.submitted_at; sheet.returned_reason = null; }
          sheet.filled = Object.keys(b.marks || {}).length;
          delete state.message[op.sheet];
          render(); return flush();
        }
        var err = (res.body && res.body.error) || { code: "http", message: t("server_error", { status: res.status }) };
        if (res.status === 409 || res.status === 403 || res.status === 404) return conflict(op.sheet, err);
        if (res.status === 422) {  // refused value: drop it, say why
          queue.shift(); save(QKEY, queue);
          state.message[op.sheet] = err.message; render(); return flush();
        }
        if (res.status === 401 || (res.status === 400 && err.code === "csrf")) return authLost();
        setTimeout(flush, 5000);  // a server error: keep the queue and try again
      })
      .catch(function () { state.busy = false; setOnline(false); setTimeout(flush, 3000); });
  }

  function conflict(sheetId, err) {
    var kept = conflicts[sheetId] || {}, keptNotes = conflictNotes[sheetId] || {};
    queue = queue.filter(function (op) {
      if (op.sheet !== sheetId) return true;
      if (op.type === "marks") { Object.assign(kept, op.marks); Object.assign(keptNotes, op.notes || {}); }
      return false;
    });
    save(QKEY, queue);
    if (Object.keys(keptNotes).length) { conflictNotes[sheetId] = keptNotes; save(NKEY, conflictNotes); }
    var server = err.detail && err.detail.sheet;
    if (server) { Object.assign(state.sheets[sheetId], server); }
    if (Object.keys(kept).length) { conflicts[sheetId] = kept; save(CKEY, conflicts); }
    state.message[sheetId] = err.message;
    render();
    if (!server) refresh();
    flush();
  }

  function authLost() {
    state.busy = false;
    var n = document.getElementById("net");
    n.className = "net net-err";
    n.textContent = t("auth_lost");
  }

  function setOnline(on) { state.online = on; renderNet(); }

  function renderNet() {
    var n = document.getElementById("net");
    var count = queue.length;
    if (!state.online) { n.className = "net net-off"; n.textContent = count ? t("net.offline_unsent", { n: count }) : t("net.offline"); }
    else if (count) { n.className = "net net-wait"; n.textContent = t("net.sending", { n: count }); }
    else { n.className = "net net-ok"; n.textContent = t("net.online"); }
  }

  // --- views ------------------------------------------------------------------------------------------------------
  function render() {
    renderNet();
    var m = /^#sheet-(\d+)$/.exec(location.hash);
    var sheet = m && state.sheets[+m[1]];
    document.getElementById("list-view").hidden = !!sheet;
    document.getElementById("sheet-view").hidden = !sheet;
    if (sheet) renderSheet(sheet); else renderList();
  }

  function statusOf(s) {
    if (pendingSubmit(s.id)) return "submitting";
    if (s.status === "not_started" && Object.keys(values(s)).length) return "draft";
    return s.status;
  }
  function statusLabel(st) { return t("status." + st, null, st); }

  function renderList() {
    var box = document.getElementById("rounds");
    box.innerHTML = "";
    document.getElementById("list-note").textContent = state.rounds.length ? t("list.choose") : t("list.empty");
    state.rounds.forEach(function (r) {
      var done = r.sheets.filter(function (s) { return s.status === "submitted"; }).length;
      var grid = el("div", { className: "entry-grid" });
      r.sheets.forEach(function (s) {
        var v = values(s), st = statusOf(s);
        var filled = state.criteria[r.round_id].filter(function (c) { return v[String(c.id)] !== undefined; }).length;
        grid.appendChild(el("a", { className: "entry st-" + st, href: "#sheet-" + s.id, "data-code": s.code, "data-status": st }, [
          el("b", { text: s.code }),
          el("span", { className: "badge", text: statusLabel(st) }),
          el("span", { className: "small", text: t("list.filled", { filled: filled, count: state.criteria[r.round_id].length,
                                                                     total: M.total(state.criteria[r.round_id], v) }) }),
          hasPending(s.id) ? el("span", { className: "badge badge-warn unsent", text: t("unsent") }) : null,
          conflicts[s.id] ? el("span", { className: "badge badge-err", text: t("to_check") }) : null
        ]));
      });
      box.appendChild(el("section", { className: "card" }, [
        el("h2", { text: r.event + " · " + r.round + (r.confirmed ? t("list.confirmed") : "") }),
        el("p", { className: "muted", text: t("list.submitted", { done: done, count: r.sheets.length }) }),
        el("div", { className: "progress" }, [el("span", { style: "width:" + (r.sheets.length ? 100 * done / r.sheets.length : 0) + "%" })]),
        grid
      ]));
    });
  }

  function named(c, problem) { return t("named_problem", { name: c.name, problem: problem }); }

  function setNote(sheet, c, field, text) {
    var v = values(sheet), key = String(c.id);
    if (v[key] === undefined) return;
    var n = Object.assign({ note: "", document_no: "" }, notesOf(sheet)[key] || {});
    n[field] = text.trim();
    if (field === "note" && n.note.length > 500) { state.hint[sheet.id] = named(c, t("reason.too_long")); render(); return; }
    if (field === "document_no" && n.document_no.length > 100) { state.hint[sheet.id] = named(c, t("document.too_long")); render(); return; }
    delete state.hint[sheet.id];
    var m = {}, notes = {};
    m[key] = v[key]; notes[key] = { note: n.note, document_no: n.document_no || "" };
    enqueueMarks(sheet.id, m, notes);
    render();
  }

  function reasonInputs(sheet, c, value, locked) {
    if (!needsReason(c, value)) return null;
    var n = notesOf(sheet)[String(c.id)] || {};
    var box = el("div", { className: "reason" });
    var note = el("input", { type: "text", className: "reason-input", maxLength: 500, value: n.note || "", disabled: locked,
      placeholder: t(c.kind === "deduction" ? "reason.deduction" : c.kind === "veto" ? "reason.veto" : "reason.bonus"),
      "data-note": c.code, "aria-label": t("reason.label", { name: c.name }) });
    note.style.cssText = "flex:1 1 20rem;min-height:48px;font-size:1.1rem;margin-top:.5rem";
    note.addEventListener("change", function () { setNote(sheet, c, "note", note.value); });
    box.appendChild(note);
    if (c.document_required) {
      var doc = el("input", { type: "text", className: "doc-input", maxLength: 100, value: n.document_no || "", disabled: locked,
        placeholder: t("document.placeholder"), "data-document": c.code, "aria-label": t("document.label", { name: c.name }) });
      doc.style.cssText = "flex:0 1 14rem;min-height:48px;font-size:1.1rem;margin:.5rem 0 0 .5rem";
      doc.addEventListener("change", function () { setNote(sheet, c, "document_no", doc.value); });
      box.appendChild(doc);
    }
    box.style.cssText = "display:flex;flex-wrap:wrap";
    return box;
  }

  function setValue(sheet, c, value) {
    var why = M.check(c, value);
    if (why) { state.hint[sheet.id] = named(c, why); render(); return; }
    delete state.hint[sheet.id];
    var m = {}; m[String(c.id)] = M.text(M.units(value));
    enqueueMarks(sheet.id, m);
    render();
  }

  function criterionCard(sheet, c, v, pending, locked) {
    var value = v[String(c.id)];
    var desc = t("kind." + c.kind, null, c.kind);
    if (c.kind === "deduction" && c.deduction_per) desc += " · " + t("rule.per_item", { per: c.deduction_per, max: c.max });
    else if (c.kind === "deduction") desc += " · " + t("rule.at_most", { n: M.text(M.units(c.max) - M.units(c.min)) });
    else if (c.kind !== "time" && c.kind !== "veto") {
      desc += " · " + t("rule.max", { max: c.max }) + (c.step ? " · " + t("rule.step", { step: c.step }) : "");
    }
    var control = el("div", { className: "control" });
    var quick = M.quickValues(c);
    if (quick.length) {
      quick.forEach(function (q) {
        control.appendChild(el("button", { type: "button", className: "btn quick" + (value !== undefined && M.units(value) === M.units(q.value) ? " chosen" : ""),
          "data-value": q.value, disabled: locked, text: q.label + (q.label !== q.value ? " (" + q.value + ")" : ""),
          onclick: function () { setValue(sheet, c, q.value); } }));
      });
    } else {
      var input = el("input", { type: "text", inputMode: "decimal", className: "mark-input", value: value === undefined ? "" : value,
        disabled: locked, "data-criterion": c.code, "aria-label": c.name });
      input.addEventListener("change", function () { if (input.value.trim() !== "") setValue(sheet, c, input.value.trim()); });
      control.appendChild(el("button", { type: "button", className: "btn step", "data-step": "-1", disabled: locked, text: "−",
        onclick: function () { setValue(sheet, c, M.stepValue(c, v[String(c.id)], -1)); } }));
      control.appendChild(input);
      control.appendChild(el("button", { type: "button", className: "btn step", "data-step": "+1", disabled: locked, text: "+",
        onclick: function () { setValue(sheet, c, M.stepValue(c, v[String(c.id)], 1)); } }));
      if (c.kind === "deduction" && c.deduction_per) {
        var off = value === undefined ? 0 : M.text(M.units(value) / 10000 * M.units(c.deduction_per));
        control.appendChild(el("span", { className: "muted", text: t("rule.items_deducted", { n: off }) }));
      }
    }
    return el("div", { className: "criterion" + (pending ? " pending" : ""), "data-criterion-card": c.code }, [
      el("div", { className: "crit-head" }, [el("b", { text: c.name }), el("span", { className: "muted small", text: desc }),
        pending ? el("span", { className: "badge badge-warn unsent", text: t("unsent") }) : null]),
      control,
      reasonInputs(sheet, c, value, locked)
    ]);
  }

  function renderSheet(sheet) {
    var criteria = state.criteria[sheet.round_id] || [];
    var v = values(sheet), pend = pendingValues(sheet.id), st = statusOf(sheet), locked = !editable(sheet);
    var round = state.rounds.filter(function (r) { return r.round_id === sheet.round_id; })[0] || {};
    document.getElementById("sheet-round").textContent = (round.event || "") + " · " + (round.round || "");
    document.getElementById("sheet-code").textContent = sheet.code;
    var badge = document.getElementById("sheet-status");
    badge.textContent = statusLabel(st) + (hasPending(sheet.id) ? " · " + t("unsent") : "");
    badge.className = "badge st-" + st;
    var banner = document.getElementById("sheet-banner");
    var notes = [];
    if (sheet.status === "returned" && sheet.returned_reason) notes.push(t("sheet.returned", { reason: sheet.returned_reason }));
    if (state.message[sheet.id]) notes.push(state.message[sheet.id]);
    if (state.hint[sheet.id]) notes.push(state.hint[sheet.id]);
    banner.innerHTML = "";
    notes.forEach(function (t) { banner.appendChild(el("p", { text: t })); });
    if (conflicts[sheet.id]) {
      var kept = conflicts[sheet.id];
      var byId = {}; criteria.forEach(function (c) { byId[String(c.id)] = c; });
      var unsent = Object.keys(kept).map(function (k) { return (byId[k] ? byId[k].name : k) + " " + kept[k]; });
      banner.appendChild(el("p", { text: t("conflict.kept", { marks: unsent.join(t("conflict.separator")) }) }));
      banner.appendChild(el("div", { className: "actions" }, [
        editable(sheet) ? el("button", { type: "button", className: "btn btn-huge", id: "reapply", text: t("conflict.reapply"), onclick: function () {
          var k = conflicts[sheet.id], kn = conflictNotes[sheet.id];
          delete conflicts[sheet.id]; save(CKEY, conflicts); delete conflictNotes[sheet.id]; save(NKEY, conflictNotes);
          enqueueMarks(sheet.id, k, kn); render(); } }) : null,
        el("button", { type: "button", className: "btn btn-huge", id: "discard", text: t("conflict.discard"), onclick: function () {
          delete conflicts[sheet.id]; save(CKEY, conflicts); delete conflictNotes[sheet.id]; save(NKEY, conflictNotes); render(); } })
      ]));
    }
    banner.hidden = !banner.childNodes.length;
    var box = document.getElementById("criteria");
    // a mark being typed when the sheet is drawn again (an earlier mark's save came back) stays as typed, with the focus
    var typing = document.activeElement && box.contains(document.activeElement) && document.activeElement.getAttribute("data-criterion")
      ? { code: document.activeElement.getAttribute("data-criterion"), value: document.activeElement.value } : null;
    box.innerHTML = "";
    var pendN = pendingNotes(sheet.id);
    criteria.forEach(function (c) {
      var key = String(c.id);
      box.appendChild(criterionCard(sheet, c, v, pend[key] !== undefined || pendN[key] !== undefined, locked));
    });
    var again = typing && box.querySelector('input[data-criterion="' + typing.code + '"]');
    if (again && !again.disabled) { again.value = typing.value; again.focus(); }
    document.getElementById("sheet-total").textContent = M.total(criteria, v);
    document.getElementById("submit").disabled = locked;
    document.getElementById("recuse").disabled = locked || !state.online;
  }

  // --- actions ----------------------------------------------------------------------------------------------------
  function currentSheet() { var m = /^#sheet-(\d+)$/.exec(location.hash); return m && state.sheets[+m[1]]; }

  document.getElementById("back").addEventListener("click", function () { location.hash = ""; });
  document.getElementById("submit").addEventListener("click", function () {
    var sheet = currentSheet(); if (!sheet) return;
    var v = values(sheet);
    delete state.hint[sheet.id];
    var missing = (state.criteria[sheet.round_id] || []).filter(function (c) {
      return c.kind !== "bonus" && c.kind !== "veto" && v[String(c.id)] === undefined; });
    if (missing.length) {
      state.hint[sheet.id] = t("submit.missing", { names: missing.map(function (c) { return c.name; }).join(t("separator")) });
      render(); return;
    }
    var noReason = missingReasons(sheet, state.criteria[sheet.round_id] || [], v);
    if (noReason.length) {
      state.hint[sheet.id] = t("submit.no_reason", { names: noReason.map(function (c) {
        var n = notesOf(sheet)[String(c.id)] || {};
        return c.name + ((n.note || "").trim() ? t("submit.document") : ""); }).join(t("separator")) });
      render(); return;
    }
    var dlg = document.getElementById("confirm-dialog");
    document.getElementById("confirm-text").textContent = t("submit.confirm", { code: sheet.code, total: M.total(state.criteria[sheet.round_id], v) });
    document.getElementById("confirm-check").checked = false;
    dlg.showModal();
  });
  document.getElementById("confirm-dialog").addEventListener("close", function () {
    var dlg = document.getElementById("confirm-dialog");
    var sheet = currentSheet();
    if (dlg.returnValue !== "ok" || !sheet) return;
    if (!document.getElementById("confirm-check").checked) { state.hint[sheet.id] = t("submit.tick"); render(); return; }
    delete state.hint[sheet.id];
    queue.push({ key: uuid(), sheet: sheet.id, type: "submit", version: null });
    save(QKEY, queue); render(); flush();
  });
  document.getElementById("recuse").addEventListener("click", function () {
    var sheet = currentSheet(); if (!sheet) return;
    var reason = window.prompt(t("recusal.prompt"));
    if (!reason) return;
    fetch(API + "sheets/" + sheet.id + "/recusal", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF, "X-Device-Id": DEVICE }, body: JSON.stringify({ reason: reason }) })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        if (j.error) { state.message[sheet.id] = j.error.message; render(); return; }
        delete state.sheets[sheet.id]; location.hash = ""; refresh();
      });
  });

  window.addEventListener("hashchange", render);
  window.addEventListener("online", function () { setOnline(true); flush(); });
  window.addEventListener("offline", function () { setOnline(false); });
  setInterval(function () { if (queue.length) flush(); }, 5000);
  var cached = load(DKEY, null);
  if (cached) { ingest(cached); render(); }
  refresh().then(flush);
})();
