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

// Confirmation by a signature: draw on the canvas with a finger (pointer events), send
// the drawing as a PNG data URL in the form's hidden "signature" field.
(function () {
  "use strict";
  function setup(form) {
    var pad = form.querySelector("[data-sign-pad]");
    var ctx = pad.getContext("2d");
    var drawing = false, drawn = false;
    ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    function at(ev) {
      var r = pad.getBoundingClientRect();
      return [(ev.clientX - r.left) * pad.width / r.width, (ev.clientY - r.top) * pad.height / r.height];
    }
    pad.addEventListener("pointerdown", function (ev) {
      drawing = true; var p = at(ev); ctx.beginPath(); ctx.moveTo(p[0], p[1]);
      form.querySelector("[data-sign-status]").textContent = "";
      pad.setPointerCapture(ev.pointerId); ev.preventDefault();
    });
    pad.addEventListener("pointermove", function (ev) {
      if (!drawing) return; var p = at(ev); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true; ev.preventDefault();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      pad.addEventListener(name, function () { drawing = false; });
    });
    form.querySelector("[data-sign-clear]").addEventListener("click", function () {
      ctx.clearRect(0, 0, pad.width, pad.height); drawn = false;
    });
    form.addEventListener("submit", function (ev) {
      var out = form.querySelector("[data-sign-status]");
      if (!drawn) { ev.preventDefault(); out.textContent = out.getAttribute("data-empty"); return; }
      form.querySelector("input[name=signature]").value = pad.toDataURL("image/png");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-sign-form]").forEach(setup);
  });
})();
