// A care worker's check-in: read the phone's location, fill the form and send it.
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-geo-submit]");
    if (!btn) return;
    var form = btn.closest("[data-geo-form]");
    var out = form.querySelector("[data-geo-status]");
    function say(key) { out.textContent = out.getAttribute("data-" + key) || key; }
    if (!navigator.geolocation) { say("unsupported"); return; }
    say("busy");
    btn.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(6);
      form.querySelector("input[name=lon]").value = pos.coords.longitude.toFixed(6);
      form.submit();
    }, function (err) {
      btn.disabled = false;
      say(err.code === 1 ? "denied" : "failed");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
})();
