/* contestapp tablet service worker: the judge's tablet page keeps opening without network.

   Served at <root>/judging/sw.js (contestapp.judging.views.service_worker), so its scope is <root>/judging/: it
   controls the tablet page only. Organiser and chief-judge pages live elsewhere and never reach it; inside its scope
   it answers for three kinds of GET only and lets everything else (card login, writes of marks) go to the network:
   - the tablet page <root>/judging/ (a navigation): network first, the last copy when the network fails, stays
     silent for NAV_TIMEOUT ms or answers with a server error, and a short bilingual notice when there is no copy;
   - the page's scripts and styles under <root>/static/: network first, the cached copy offline;
   - the judge's data, <root>/api/v1/assignments and <root>/api/v1/sheets/<id>: network first, always; a cached
     copy is given only when the network fails, marked with the header X-Contestapp-Offline: 1 so the page never
     takes it for fresh (it says it is offline and shows when it last synchronised).
   The page and the data belong to one judge: the page carries its user in the X-Contestapp-User header, and the
   cache named DATA holds one judge's copies only. A page or a sheet list of another user, a login page instead of
   the tablet (the session ended), a 401 from the API, or the tablet's logout (message {type: "forget"}) empties it.
   Written for contestapp; no dependencies. */
"use strict";

var VERSION = "1";
var SHELL = "contestapp-tablet-shell-" + VERSION;  // scripts and styles: the same for everyone
var DATA = "contestapp-tablet-judge";              // the tablet page and one judge's sheets
var BASE = new URL("../", self.location.href).href;  // the application's root, with its trailing slash
var PAGE = new URL("./", self.location.href).href;   // the tablet page
var STATIC = BASE + "static/";
var API = BASE + "api/v1/";
var ASSETS = ["css/app.css", "css/tablet.css", "js/app.js", "js/marks.js", "js/tablet-offline.js", "js/tablet.js"].map(function (p) { return STATIC + p; });
var USER_HEADER = "X-Contestapp-User";
var NAV_TIMEOUT = 8000;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(ASSETS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("contestapp-tablet-shell-") === 0 && n !== SHELL; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function isData(url) {
  return url.href === API + "assignments" || (url.href.indexOf(API + "sheets/") === 0 && /^\d+$/.test(url.href.slice((API + "sheets/").length)));
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (request.mode === "navigate") {
    if (url.origin + url.pathname === PAGE && !url.search) event.respondWith(page(request));
    return;  // the card login and anything else in scope: the network, as without a worker
  }
  if (url.search) return;
  if (isData(url)) event.respondWith(data(request));
  else if (url.href.indexOf(STATIC) === 0) event.respondWith(asset(request));
});

// --- the judge's copies ------------------------------------------------------------------------------------------
function cachedUser() {
  return caches.open(DATA).then(function (cache) { return cache.match(PAGE); })
    .then(function (r) { return r ? r.headers.get(USER_HEADER) : null; });
}

// Each forget starts a new generation: a copy whose request began before it (an answer still on its way when the judge
// logged out) is not written back into the emptied cache.
var generation = 0;
function forget() { generation += 1; return caches.delete(DATA); }

// The tablet page as the network gave it, for `user`: another judge's copies go first.
function keepPage(response, user) {
  var started = generation;
  return cachedUser().then(function (previous) {
    return previous === user ? null : forget().then(function () { started = generation; });
  }).then(function () {
    if (generation !== started) return null;  // forgotten meanwhile (a logout)
    return caches.open(DATA).then(function (cache) { return cache.put(PAGE, response); });
  });
}

// A data answer belongs to the judge whose page is kept; a sheet list of someone else means the session changed.
function keepData(request, response) {
  var started = generation;
  return cachedUser().then(function (user) {
    if (!user) return null;  // no page kept: a copy of the data alone would never be shown
    var check = request.url === API + "assignments"
      ? response.clone().json().then(function (body) { return String(body.judge && body.judge.id) === user; })
      : Promise.resolve(true);
    return check.then(function (same) {
      if (!same) return forget();
      if (generation !== started) return null;  // forgotten meanwhile (a logout)
      return caches.open(DATA).then(function (cache) { return cache.put(request, response); });
    });
  }).catch(function () { return null; });
}

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (r) { clearTimeout(timer); resolve(r); }, function (e) { clearTimeout(timer); reject(e); });
  });
}

// --- strategies --------------------------------------------------------------------------------------------------
function page(request) {
  var network = fetch(request).then(function (response) {
    var user = response.headers.get(USER_HEADER);
    var done;
    if (response.status === 200 && user) done = keepPage(response.clone(), user);
    else if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) done = forget();
    return Promise.resolve(done).catch(function () { return null; }).then(function () { return response; });
  });
  return caches.open(DATA).then(function (cache) { return cache.match(PAGE); }).then(function (copy) {
    if (!copy) return network.catch(function () { return offlineNotice(); });
    return withTimeout(network, NAV_TIMEOUT).then(function (response) {
      return response.status >= 500 ? copy : response;  // a server in trouble: the tablet carries on from its copy
    }, function () { return copy; });
  });
}

function data(request) {
  return fetch(request).then(function (response) {
    var done = null;
    if (response.status === 200) done = keepData(request, response.clone());
    else if (response.status === 401) done = forget();
    return Promise.resolve(done).then(function () { return response; });
  }, function (error) {
    return caches.open(DATA).then(function (cache) { return cache.match(request); }).then(function (copy) {
      if (!copy) throw error;
      var headers = new Headers(copy.headers);
      headers.set("X-Contestapp-Offline", "1");
      return copy.blob().then(function (body) {
        return new Response(body, { status: copy.status, statusText: copy.statusText, headers: headers });
      });
    });
  });
}

function asset(request) {
  var network = fetch(request).then(function (response) {
    if (response.status !== 200) return response;
    var copy = response.clone();
    return caches.open(SHELL).then(function (cache) { return cache.put(request, copy); })
      .catch(function () { return null; }).then(function () { return response; });
  });
  return caches.match(request, { cacheName: SHELL }).then(function (copy) {
    if (!copy) return network;
    return withTimeout(network, NAV_TIMEOUT).catch(function () { return copy; });
  });
}

function offlineNotice() {
  var html = '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    "<title>离线 · Offline</title><main style=\"font:20px/1.6 sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem\">" +
    "<h1>离线：本机没有保存评分页面</h1><p>请联网后用登录卡登录，评分页面和评分表会保存在本机，之后断网也能打开。</p>" +
    '<p lang="en">Offline: this tablet has no copy of the judging page yet. Connect and sign in with your card once; ' +
    "the page and your sheets are then kept on the tablet.</p></main></html>";
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// --- messages from the tablet page -------------------------------------------------------------------------------
// {type: "ready", user}: keep the page for this user now (the first visit is not controlled yet), then answer
// {type: "ready"}; {type: "forget"}: the judge is logging out, empty the judge's copies, then answer {type: "forgotten"}.
self.addEventListener("message", function (event) {
  var msg = event.data || {}, source = event.source;
  var answer = function (type) { if (source) source.postMessage({ type: type }); };
  if (msg.type === "forget") {
    event.waitUntil(forget().then(function () { answer("forgotten"); }));
  } else if (msg.type === "ready") {
    event.waitUntil(cachedUser().then(function (user) {
      if (user === String(msg.user)) return null;
      return fetch(PAGE, { credentials: "same-origin", redirect: "manual" }).then(function (response) {
        var owner = response.headers.get(USER_HEADER);
        if (response.status === 200 && owner) return keepPage(response, owner);
        return forget();
      });
    }).then(function () { answer("ready"); }, function () { answer("not-ready"); }));
  }
});
