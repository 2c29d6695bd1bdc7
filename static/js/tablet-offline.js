/* contestapp tablet, the page's side of the service worker (static/js/tablet-sw.js, served at /judging/sw.js).

   start(root, user, onReady): registers the worker for the tablet's pages, asks it to keep this page for `user`
   (a first visit is not controlled by the worker yet, so the worker fetches the page itself), and calls
   onReady(wasControlled) once the worker controls the page and keeps a copy of it: from then on a reload or a
   restart without network opens the tablet. forget(): asks the worker to drop the judge's copies (the logout);
   resolves when it has, or after two seconds. Service workers need a secure context (HTTPS, or localhost): without
   one both do nothing and the tablet keeps its sheets and queue in localStorage as before, but a reload without
   network fails. Written for contestapp; no dependencies. */
(function (global) {
  "use strict";
  var sw = global.navigator.serviceWorker;
  var usable = !!sw && global.isSecureContext;

  // Post `message` to the active worker; resolves true on the answer {type: answer}, false on {type: "not-"+answer}
  // or when no answer comes within `ms`.
  function ask(worker, message, answer, ms) {
    return new Promise(function (resolve) {
      var done = false;
      function finish(ok) { if (!done) { done = true; sw.removeEventListener("message", heard); resolve(ok); } }
      function heard(event) {
        var type = event.data && event.data.type;
        if (type === answer || type === "not-" + answer) finish(type === answer);
      }
      sw.addEventListener("message", heard);
      setTimeout(function () { finish(false); }, ms);
      worker.postMessage(message);
    });
  }

  function controlled() {
    if (sw.controller) return Promise.resolve();
    return new Promise(function (resolve) { sw.addEventListener("controllerchange", function () { resolve(); }, { once: true }); });
  }

  function start(root, user, onReady) {
    if (!usable || !root.dataset.worker) return;
    var wasControlled = !!sw.controller;
    sw.register(root.dataset.worker, { scope: root.dataset.scope })
      .then(function () { return sw.ready; })
      .then(function (registration) { return ask(registration.active, { type: "ready", user: String(user) }, "ready", 30000); })
      .then(function (ok) { if (ok) return controlled().then(function () { onReady(wasControlled); }); })
      .catch(function () { /* no worker: the tablet works online and keeps its queue as before */ });
  }

  function forget() {
    if (!usable) return Promise.resolve();
    return sw.getRegistration().then(function (registration) {
      if (!registration || !registration.active) return null;
      return ask(registration.active, { type: "forget" }, "forgotten", 2000);
    }).catch(function () { return null; });
  }

  global.ContestTabletOffline = { start: start, forget: forget };
})(window);
