/* Judge card login: the QR code opens /judging/card#CODE-PIN; the fragment never reaches the server or its logs. */
(function () {
  "use strict";
  var m = /^#([A-Za-z0-9]{8})-(\d{6})$/.exec(location.hash || "");
  if (!m) { return; }
  document.getElementById("code").value = m[1];
  document.getElementById("pin").value = m[2];
  history.replaceState(null, "", location.pathname);
  document.getElementById("card-form").submit();
})();
