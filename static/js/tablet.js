/* contestapp tablet: the judge's assignments and score sheets in one page that keeps working offline.

   Every change of a mark is put in a queue kept in localStorage (it survives a reload or a flat battery) and shown
   as not yet sent until the server has it. The queue is sent in order; each request carries its own Idempotency-Key,
   so a retry after a lost answer never writes twice, and the sheet version the tablet last saw, so a sheet returned
   or changed meanwhile is refused (409 stale) and nothing on the server is overwritten: the unsent values are kept
   and shown to the judge, who can apply them again after checking. In a merit (points) contest a non-zero
   deduction, bonus or veto needs its reason (and some a document number): they travel with the mark in the same
   queue and request, and a sheet is not submitted while one is empty. What the tablet says comes from the page, in
   the page's language (templates/judging/_tablet_text.html, looked up by key with ContestMarks.t).
   Offline: the sheets as last seen are kept in localStorage after every answer of the server, and the service worker
   (static/js/tablet-sw.js, registered by static/js/tablet-offline.js) keeps the page itself, so a reload or a
   restart without network shows the sheets, the marks and the queue, under a banner that says the tablet is
   offline and when it last synchronised; back online the queue is sent and the banner says what was sent. Only
   the signed-in judge's copies are kept: other users' sheets are dropped on load, the judge's own on logout (the
   queue of unsent marks stays, per user, until that judge signs in again and it is sent).
   Written for contestapp; no dependencies. */
(function () {
  "use strict";
  var M = window.ContestMarks, Offline = window.ContestTabletOffline;
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

  var state = { rounds: [], sheets: {}, criteria: {}, online: navigator.onLine, busy: false, message: {}, hint: {},
                syncedAt: null, outage: !navigator.onLine, sentAfterOutage: {}, recovered: null, notice: "",
                leaving: false };
  // message: what the server said about a sheet (cleared by its next accepted save); hint: what this tablet says
  // before sending (a refused value, a submit that lacks marks or reasons), kept until the judge acts on it.
  // outage: the tablet has been offline since the queue last emptied; sentAfterOutage: what it sent since
  // ("sheet:criterion" and "sheet:submit" keys); recovered: what the banner reports once the queue has emptied.
  Object.keys(localStorage).forEach(function (k) {  // never keep another user's sheets on this tablet
    if (k.indexOf("contestapp.data.") === 0 && k !== DKEY) localStorage.removeItem(k);
  });
  var queue = load(QKEY, []);
  var conflicts = load(CKEY, {});
  var conflictNotes = load(NKEY, {});

  function el(tag, attrs, children) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") n.textContent = attrs[k];
      else if (k === "onclick") n.addEventListener("click", attrs[k]);
      else if (k.slice(0, 5) === "data-" || k.slice(0, 5) === "aria-" || k === "role") n.setAttribute(k, attrs[k]);
      else n[k] = attrs[k];
    });
    (children || []).forEach(function (c) { if (c) n.appendChild(c); });
    return n;
  }

  // --- data -------------------------------------------------------------------------------------------------------
  function ingest(data) {
    state.rounds = data.rounds;
    state.syncedAt = data.synced_at || null;
    data.rounds.forEach(function (r) {
      state.criteria[r.round_id] = r.criteria;
      r.sheets.forEach(function (s, i) {
        var known = state.sheets[s.id];  // a sheet never goes back to an older version (an answer that crossed a save)
        if (known && known.version > s.version) { r.sheets[i] = s = known; }
        s.confirmed = r.confirmed; state.sheets[s.id] = s;
      });
    });
  }
  function roundOf(sheet) { return state.rounds.filter(function (r) { return r.round_id === sheet.round_id; })[0] || {}; }

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

  // The sheets as the server last answered (with the tablet's own view of sheets changed since), for a reload or a
  // restart without network.
  function persist() {
    if (state.leaving) return;
    save(DKEY, { judge: { id: +USER }, rounds: state.rounds, synced_at: state.syncedAt || new Date().toISOString() });
  }

  function refresh() {
    return fetch(API + "assignments", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.status === 401) { authLost(); throw new Error("auth"); }
        if (!r.ok) throw new Error("http " + r.status);
        // the service worker's copy, given only when the network failed: never taken for fresh data
        var copy = !!r.headers.get("X-Contestapp-Offline"), date = r.headers.get("Date");
        return r.json().then(function (data) {
          if (!copy) { data.synced_at = new Date().toISOString(); return data; }
          if (date && !isNaN(Date.parse(date))) data.synced_at = new Date(Date.parse(date)).toISOString();
          throw { offline: data };
        });
      })
      .then(function (data) { if (!state.leaving) save(DKEY, data); ingest(data); setOnline(true); render(); })
      .catch(function (e) {
        if (e && e.message === "auth") return;
        var cached = load(DKEY, null) || (e && e.offline) || null;  // this tablet's copy is the newer one
        if (cached && !state.rounds.length) ingest(cached);
        setOnline(false); render();
      });
  }

  // --- sending ----------------------------------------------------------------------------------------------------
  function enqueueMarks(sheetId, marks, notes) {
    state.recovered = null;
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
          sheet = state.sheets[op.sheet] || sheet;
          sheet.version = b.version; sheet.marks = b.marks; sheet.status = b.status; sheet.total = b.total;
          if (b.notes) sheet.notes = b.notes;
          if (op.type === "submit") { sheet.submitted_at = b.submitted_at; sheet.returned_reason = null; }
          sheet.filled = Object.keys(b.marks || {}).length;
          delete state.message[op.sheet];
          persist();
          if (state.outage) {
            if (op.type === "submit") state.sentAfterOutage[op.sheet + ":submit"] = true;
            else Object.keys(op.marks).forEach(function (k) { state.sentAfterOutage[op.sheet + ":" + k] = true; });
          }
          if (!queue.length && state.outage) { settle(); refresh(); }  // after an outage: read the sheets afresh
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
    if (server) { Object.assign(state.sheets[sheetId], server); persist(); }
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

  function setOnline(on) {
    state.online = on;
    if (!on) state.outage = true;
    else if (!queue.length) settle();
    renderNet();
  }

  // Online with an empty queue after an outage: what was sent is what the banner reports.
  function settle() {
    if (!state.outage) return;
    var keys = Object.keys(state.sentAfterOutage);
    var submits = keys.filter(function (k) { return /:submit$/.test(k); }).length;
    state.recovered = keys.length ? { marks: keys.length - submits, submits: submits } : null;
    state.outage = false; state.sentAfterOutage = {};
  }

  function clock(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    return d.toLocaleString(document.documentElement.lang || undefined,
                            { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  }

  function renderNet() {
    var n = document.getElementById("net");
    var count = queue.length, text;
    if (state.notice) { n.className = "net net-err"; n.textContent = state.notice; }
    else if (!state.online) {  // the offline banner: what happens to the marks, and how old the sheets shown are
      n.className = "net net-off"; n.textContent = "";
      n.appendChild(el("span", { text: count ? t("net.offline_unsent", { n: count }) : t("net.offline") }));
      text = state.syncedAt && clock(state.syncedAt);
      if (text) n.appendChild(el("span", { className: "net-detail", text: t("net.synced", { time: text }) }));
    }
    else if (count) { n.className = "net net-wait"; n.textContent = t("net.sending", { n: count }); }
    else if (state.recovered) {
      n.className = "net net-ok";
      n.textContent = t(state.recovered.submits ? "net.recovered_submits" : "net.recovered", state.recovered);
    }
    else { n.className = "net net-ok"; n.textContent = t("net.online"); }
    renderQueue();
  }

  // Offline, what is waiting to be sent, sheet by sheet (online the queue drains in a moment: the banner counts it).
  function renderQueue() {
    var box = document.getElementById("queue"), list = document.getElementById("queue-list");
    box.hidden = state.online || !queue.length;
    if (box.hidden) return;
    document.getElementById("queue-title").textContent = t("queue.title", { n: queue.length });
    list.innerHTML = "";
    queue.forEach(function (op) {
      var s = state.sheets[op.sheet], r = s ? roundOf(s) : {};
      var where = (r.event ? r.event + " · " + r.round + " · " : "") + (s ? s.code : "#" + op.sheet);
      if (op.type === "submit") { list.appendChild(el("li", { text: t("queue.submit", { sheet: where }) })); return; }
      var byId = {};
      ((s && state.criteria[s.round_id]) || []).forEach(function (c) { byId[String(c.id)] = c; });
      var marks = Object.keys(op.marks).map(function (k) { return (byId[k] ? byId[k].name : k) + " " + op.marks[k]; });
      list.appendChild(el("li", { text: t("queue.marks", { sheet: where, marks: marks.join(t("separator")) }) }));
    });
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
          el("span", { className: "badge st-" + st, text: statusLabel(st) }),
          el("span", { className: "small", text: t("list.filled", { filled: filled, count: state.criteria[r.round_id].length,
                                                                     total: M.total(state.criteria[r.round_id], v) }) }),
          hasPending(s.id) ? el("span", { className: "badge badge-warn unsent", text: t("unsent") }) : null,
          conflicts[s.id] ? el("span", { className: "badge badge-err", text: t("to_check") }) : null
        ]));
      });
      box.appendChild(el("section", { className: "card", "data-round": r.round_id }, [
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

  var redrawing = false;  // true while renderSheet replaces the fields (a blur then is not the judge leaving one)

  // One criterion: its name and rule (which together name the mark input, the quick buttons and the steppers for
  // assistive technology), then the control; disabled, with the sheet's lock reason, when the sheet is locked.
  function criterionCard(sheet, c, v, pending, locked) {
    var value = v[String(c.id)];
    var desc = t("kind." + c.kind, null, c.kind);
    if (c.kind === "deduction" && c.deduction_per) desc += " · " + t("rule.per_item", { per: c.deduction_per, max: c.max });
    else if (c.kind === "deduction") desc += " · " + t("rule.at_most", { n: M.text(M.units(c.max) - M.units(c.min)) });
    else if (c.kind !== "time" && c.kind !== "veto") {
      desc += " · " + t("rule.range", { min: M.text(M.units(c.min) || 0), max: c.max }) + (c.step ? " · " + t("rule.step", { step: c.step }) : "");
    }
    var ids = { name: "crit-" + c.id + "-name", rule: "crit-" + c.id + "-rule", input: "crit-" + c.id + "-value" };
    var named = ids.name + " " + ids.rule, lock = locked ? "sheet-lock" : null;
    var control = el("div", { className: "control" });
    var quick = M.quickValues(c);
    if (quick.length) {
      control.setAttribute("role", "group");
      control.setAttribute("aria-labelledby", named);
      quick.forEach(function (q) {
        var chosen = value !== undefined && M.units(value) === M.units(q.value);
        control.appendChild(el("button", { type: "button", className: "btn quick" + (chosen ? " chosen" : ""),
          "data-value": q.value, disabled: locked, text: q.label + (q.label !== q.value ? " (" + q.value + ")" : ""),
          "aria-pressed": chosen ? "true" : "false", onclick: function () { setValue(sheet, c, q.value); } }));
      });
    } else {
      var input = el("input", { type: "text", inputMode: "decimal", className: "mark-input", value: value === undefined ? "" : value,
        id: ids.input, disabled: locked, "data-criterion": c.code, "aria-labelledby": named });
      if (lock) input.setAttribute("aria-describedby", lock);
      // Committed on change, and on Enter or leaving the field whenever the text differs from the kept value: a field
      // redrawn while the judge was typing in it (a save's answer arriving) still commits what was typed.
      var commit = function () {
        if (redrawing) return;  // the field is being replaced, not left by the judge
        var typed = input.value.trim(), kept = values(sheet)[String(c.id)];
        if (typed !== "" && (kept === undefined || M.units(typed) !== M.units(kept))) setValue(sheet, c, typed);
      };
      input.addEventListener("change", commit);
      input.addEventListener("blur", commit);
      input.addEventListener("keydown", function (e) { if (e.key === "Enter") commit(); });
      control.appendChild(el("button", { type: "button", className: "btn step", "data-step": "-1", disabled: locked, text: "−",
        "aria-label": t("step.down", { name: c.name }), onclick: function () { setValue(sheet, c, M.stepValue(c, v[String(c.id)], -1)); } }));
      control.appendChild(input);
      control.appendChild(el("button", { type: "button", className: "btn step", "data-step": "+1", disabled: locked, text: "+",
        "aria-label": t("step.up", { name: c.name }), onclick: function () { setValue(sheet, c, M.stepValue(c, v[String(c.id)], 1)); } }));
      if (c.kind === "deduction" && c.deduction_per) {
        var off = value === undefined ? 0 : M.text(M.units(value) / 10000 * M.units(c.deduction_per));
        control.appendChild(el("span", { className: "muted", text: t("rule.items_deducted", { n: off }) }));
      }
    }
    var label = quick.length ? el("b", { id: ids.name, text: c.name }) : el("label", { id: ids.name, htmlFor: ids.input }, [el("b", { text: c.name })]);
    return el("div", { className: "criterion" + (pending ? " pending" : "") + (locked ? " locked" : ""), "data-criterion-card": c.code }, [
      el("div", { className: "crit-head" }, [label, el("span", { id: ids.rule, className: "muted small", text: desc }),
        pending ? el("span", { className: "badge badge-warn unsent", text: t("unsent") }) : null]),
      control,
      reasonInputs(sheet, c, value, locked)
    ]);
  }

  // Why the judge cannot change this sheet now, or null.
  function lockReason(sheet) {
    if (sheet.confirmed) return t("lock.confirmed");
    if (pendingSubmit(sheet.id)) return t("lock.submitting");
    if (sheet.status === "submitted") return t("lock.submitted");
    if (!editable(sheet)) return t("lock.other", { status: statusLabel(sheet.status) });
    return null;
  }

  function renderSheet(sheet) {
    var criteria = state.criteria[sheet.round_id] || [];
    var v = values(sheet), pend = pendingValues(sheet.id), st = statusOf(sheet), locked = !editable(sheet);
    var round = roundOf(sheet);
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
    // What the judge is typing survives the redraw (a save's answer may arrive meanwhile): text, focus and caret.
    var active = document.activeElement, typing = null;
    if (active && box.contains(active) && active.classList.contains("mark-input") && box.dataset.sheet === String(sheet.id)) {
      typing = { code: active.dataset.criterion, text: active.value, at: active.selectionStart };
    }
    redrawing = true;
    box.innerHTML = "";
    redrawing = false;
    box.dataset.sheet = String(sheet.id);
    var pendN = pendingNotes(sheet.id);
    criteria.forEach(function (c) {
      var key = String(c.id);
      box.appendChild(criterionCard(sheet, c, v, pend[key] !== undefined || pendN[key] !== undefined, locked));
    });
    var again = typing && !locked && box.querySelector('input.mark-input[data-criterion="' + typing.code + '"]');
    if (again) {
      again.value = typing.text;
      again.focus();
      if (typing.at !== null) again.setSelectionRange(typing.at, typing.at);
    }
    document.getElementById("sheet-total").textContent = M.total(criteria, v);
    var why = lockReason(sheet) || (state.online ? "" : t("lock.recuse_offline"));
    var lock = document.getElementById("sheet-lock");
    lock.textContent = why; lock.hidden = !why;
    document.getElementById("sheet-view").classList.toggle("locked", locked);
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

  // Logout: this judge's sheets leave the tablet (localStorage and the worker's copies) before the session ends; the
  // queue stays, kept per user, and is sent when the judge signs in again. Offline there is no logout to make.
  var logout = Array.prototype.filter.call(document.querySelectorAll("form"), function (f) {
    return f.getAttribute("action") === root.dataset.logout; })[0];
  if (logout) logout.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!navigator.onLine) { state.notice = t("logout.offline"); renderNet(); return; }
    state.leaving = true;  // an answer still on its way must not store the sheets again
    localStorage.removeItem(DKEY);
    var go = function () { HTMLFormElement.prototype.submit.call(logout); };
    (Offline ? Offline.forget() : Promise.resolve()).then(go, go);
  });

  window.addEventListener("hashchange", render);
  window.addEventListener("online", function () {
    state.notice = ""; setOnline(true);
    if (queue.length) flush(); else refresh();
  });
  window.addEventListener("offline", function () { setOnline(false); });
  setInterval(function () { if (queue.length) flush(); }, 5000);
  var cached = load(DKEY, null);
  if (cached) { ingest(cached); render(); }
  refresh().then(flush);
  if (Offline) Offline.start(root, USER, function (wasControlled) {
    // a first visit read the sheets before the worker was there: read them again through it, so that it keeps them
    var again = wasControlled || queue.length || state.busy ? Promise.resolve() : refresh();
    again.then(function () {
      root.setAttribute("data-offline", "ready");
      document.getElementById("offline-ready").hidden = false;
    });
  });
})();
