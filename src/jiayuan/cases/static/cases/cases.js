// Case pages: forms that submit once, photos (camera or album, shrunk before upload,
// previews), the browser's location, the resident picker, category chips, print.
// Everything here is an enhancement: without JavaScript the forms still work.
(function () {
  "use strict";
  var pending = 0; // photos still being shrunk

  // --- forms submit once: the button is disabled on submit; the server's form token
  // (request_key) makes a second request that gets through record nothing twice.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches || !form.matches("form[data-once]")) return;
    if (pending > 0) { // wait for the photos, then send
      ev.preventDefault();
      form.dataset.waiting = "1";
      setBusy(form, form.getAttribute("data-wait-label") || "…");
      return;
    }
    if (form.dataset.sent === "1") { ev.preventDefault(); return; }
    form.dataset.sent = "1";
    setBusy(form, null);
  });
  function setBusy(form, label) {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
      b.disabled = true;
      b.setAttribute("aria-busy", "true");
      var l = label || b.getAttribute("data-busy-label");
      if (l) { if (!b.dataset.label) b.dataset.label = b.innerHTML; b.textContent = l; }
    });
  }
  window.addEventListener("pageshow", function () { // back button: the form is usable again
    document.querySelectorAll("form[data-once]").forEach(function (f) {
      f.dataset.sent = "";
      f.querySelectorAll("button[aria-busy]").forEach(function (b) {
        b.disabled = false; b.removeAttribute("aria-busy");
        if (b.dataset.label) b.innerHTML = b.dataset.label;
      });
    });
  });
  function photoDone() {
    pending -= 1;
    if (pending > 0) return;
    document.querySelectorAll("form[data-once][data-waiting='1']").forEach(function (f) {
      f.dataset.waiting = "";
      f.querySelectorAll("button[aria-busy]").forEach(function (b) { b.disabled = false; b.removeAttribute("aria-busy"); });
      if (f.requestSubmit) f.requestSubmit(); else f.submit();
    });
  }

  // --- photos: each pick (one camera shot, or a batch from the album) keeps its own
  // <input type=file>, so several shots add up; large photos are shrunk to 2048 px.
  var MAX_SIDE = 2048, SHRINK_OVER = 1.5 * 1024 * 1024;
  function shrink(file) {
    if (!window.createImageBitmap || !window.DataTransfer || !/^image\/(jpeg|png|webp)$/.test(file.type)) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var side = Math.max(bmp.width, bmp.height);
      if (side <= MAX_SIDE && file.size <= SHRINK_OVER) return file;
      var k = Math.min(1, MAX_SIDE / side);
      var c = document.createElement("canvas");
      c.width = Math.round(bmp.width * k); c.height = Math.round(bmp.height * k);
      c.getContext("2d").drawImage(bmp, 0, 0, c.width, c.height);
      return new Promise(function (resolve) {
        c.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          resolve(new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }));
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }
  document.addEventListener("change", function (ev) {
    var input = ev.target;
    if (!input.matches || !input.matches("input[type=file][data-photo]") || !input.files.length) return;
    var box = input.closest("[data-photo-box]");
    var well = box.querySelector(".photo-well");
    var holder = box.querySelector("[data-photo-holder]");
    // a fresh input takes this one's place for the next shot
    var fresh = input.cloneNode(false);
    fresh.value = "";
    input.parentNode.insertBefore(fresh, input);
    holder.appendChild(input);
    input.removeAttribute("id");
    var files = Array.prototype.slice.call(input.files);
    pending += 1;
    Promise.all(files.map(shrink)).then(function (out) {
      if (out.some(function (f, i) { return f !== files[i]; })) {
        try { var dt = new DataTransfer(); out.forEach(function (f) { dt.items.add(f); }); input.files = dt.files; }
        catch (e) { /* keep the originals */ }
      }
      out.forEach(function (f) { well.appendChild(preview(f, input)); });
      count(box);
    }).finally(photoDone);
  });
  function preview(file, input) {
    var item = document.createElement("div");
    item.className = "photo-item";
    var img = document.createElement("img");
    img.className = "photo-thumb"; img.alt = file.name;
    img.src = URL.createObjectURL(file);
    var rm = document.createElement("button");
    rm.type = "button"; rm.className = "btn btn-sm btn-dark photo-remove"; rm.innerHTML = "&times;";
    var box0 = input.closest("[data-photo-box]") || document.body;
    rm.setAttribute("aria-label", (box0.getAttribute("data-remove-label") || "×") + " " + file.name);
    rm.addEventListener("click", function () {
      // removing one photo of a batch removes the batch's input (its files go together)
      var box = item.closest("[data-photo-box]");
      box.querySelectorAll(".photo-item").forEach(function (el) { if (el._input === input) el.remove(); });
      input.remove();
      count(box);
    });
    item._input = input;
    item.appendChild(img); item.appendChild(rm);
    return item;
  }
  function count(box) {
    var n = box.querySelectorAll(".photo-item").length;
    var st = box.querySelector(".photo-status");
    if (st) st.textContent = n ? (st.getAttribute("data-template") || "%s").replace("%s", n) : "";
  }
  // photos already uploaded with an earlier try of the form: removing one drops its id
  document.addEventListener("click", function (ev) {
    var rm = ev.target.closest("[data-uploaded-remove]");
    if (!rm) return;
    var item = rm.closest(".photo-item"), box = rm.closest("[data-photo-box]");
    var hidden = box.querySelector("input[data-uploaded]");
    var id = item.getAttribute("data-id");
    hidden.value = hidden.value.split(",").filter(function (x) { return x && x !== id; }).join(",");
    item.remove();
    count(box);
  });

  // --- location from the browser (optional)
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-geolocate]");
    if (!btn) return;
    var box = btn.closest("[data-geo-box]");
    var out = box.querySelector("[data-geo-status]");
    var lat = box.querySelector("input[name$=lat]"), lon = box.querySelector("input[name$=lon]");
    function say(key) { out.textContent = out.getAttribute("data-" + key) || key; }
    if (!navigator.geolocation || !window.isSecureContext) { say("unsupported"); return; }
    say("busy");
    btn.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      btn.disabled = false;
      lat.value = pos.coords.latitude.toFixed(6);
      lon.value = pos.coords.longitude.toFixed(6);
      out.textContent = (out.getAttribute("data-done") || "%s")
        .replace("%s", lat.value + ", " + lon.value)
        .replace("%a", Math.round(pos.coords.accuracy || 0));
      box.querySelector("[data-geo-clear]").classList.remove("d-none");
    }, function (err) {
      btn.disabled = false;
      say(err.code === 1 ? "denied" : err.code === 3 ? "timeout" : "failed");
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-geo-clear]");
    if (!btn) return;
    var box = btn.closest("[data-geo-box]");
    box.querySelectorAll("input[name$=lat], input[name$=lon]").forEach(function (i) { i.value = ""; });
    box.querySelector("[data-geo-status]").textContent = "";
    btn.classList.add("d-none");
  });

  // --- resident picker: results come from the server (htmx); a click adds a chip
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-pick]");
    if (btn) {
      var field = btn.getAttribute("data-field"), chosen = document.getElementById(field + "-chosen");
      if (!chosen) return;
      var id = btn.getAttribute("data-pick");
      if (btn.getAttribute("data-mode") === "one") chosen.innerHTML = "";
      if (chosen.querySelector("input[value='" + id + "']")) return;
      var tpl = document.getElementById("person-chip-template");
      var chip = tpl.content.firstElementChild.cloneNode(true);
      chip.querySelector("[data-chip-label]").textContent = btn.getAttribute("data-label");
      var input = chip.querySelector("input");
      input.name = field; input.value = id;
      chosen.appendChild(chip);
      var picker = btn.closest("[data-picker]");
      if (picker) {
        var q = picker.querySelector("input[type=search]");
        if (q) { q.value = ""; }
        var res = picker.querySelector(".picker-results");
        if (res) res.innerHTML = "";
      }
      return;
    }
    var rm = ev.target.closest("[data-chip-remove]");
    if (rm) rm.closest(".person-chip").remove();
  });

  // Enter in a picker's search box searches; it must not send the whole form
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && ev.target.matches && ev.target.matches("[data-picker] input[type=search]")) {
      ev.preventDefault();
      if (window.htmx) window.htmx.trigger(ev.target, "search");
    }
  });

  // --- category chips: the sub-category list follows the chosen category
  function fillSubs(radio) {
    var box = radio.closest("[data-category-box]");
    var data = JSON.parse(document.getElementById(box.getAttribute("data-tree")).textContent);
    var sel = box.querySelector("select[data-sub]");
    var keep = sel.value;
    var node = data[radio.value];
    sel.innerHTML = "";
    var subs = node && node.children.length ? node.children : [[radio.value, node ? node.name : ""]];
    if (subs.length > 1) sel.add(new Option(sel.getAttribute("data-blank") || "", ""));
    subs.forEach(function (c) { sel.add(new Option(c[1], c[0], false, c[0] === keep)); });
    if (subs.length === 1) sel.value = subs[0][0];
    box.querySelector("[data-sub-wrap]").classList.remove("d-none");
  }
  document.addEventListener("change", function (ev) {
    if (ev.target.matches && ev.target.matches("[data-category-box] input[type=radio]")) fillSubs(ev.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-category-box] input[type=radio]:checked").forEach(fillSubs);
  });

  // --- show a block while a checkbox is ticked (就地解决 → its note)
  function toggle(cb) {
    document.querySelectorAll(cb.getAttribute("data-toggle-block")).forEach(function (el) {
      el.classList.toggle("d-none", !cb.checked);
    });
  }
  document.addEventListener("change", function (ev) {
    if (ev.target.matches && ev.target.matches("[data-toggle-block]")) toggle(ev.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-toggle-block]").forEach(toggle);
  });

  document.addEventListener("click", function (ev) {
    if (ev.target.closest("[data-print]")) window.print();
  });
})();
