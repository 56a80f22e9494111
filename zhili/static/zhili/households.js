// The visit form: the phone's position, when it gives one, goes into the form (optional — a visit without it is
// kept all the same; nothing waits for it).
(function () {
  "use strict";
  var form = document.querySelector("[data-locate]");
  if (!form || !navigator.geolocation || !form.elements.lng) { return; }
  navigator.geolocation.getCurrentPosition(function (pos) {
    form.elements.lng.value = pos.coords.longitude.toFixed(6);
    form.elements.lat.value = pos.coords.latitude.toFixed(6);
  }, function () { /* no position: the visit is kept without one */ }, { timeout: 15000, maximumAge: 600000 });
})();
