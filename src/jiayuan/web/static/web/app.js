// Jiayuan page helpers (no framework beyond htmx and Bootstrap). The pages carry no inline
// script, style or on*="" handler (the Content-Security-Policy refuses them): behaviour is
// declared with data-* attributes and lives here.
document.addEventListener("click", function (ev) {
  // Buttons with data-confirm ask before submitting.
  const el = ev.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    ev.preventDefault();
    ev.stopImmediatePropagation();
  }
}, true);
document.addEventListener("htmx:responseError", function (ev) {
  // Show the server's message rather than failing silently.
  const box = document.getElementById("htmx-error");
  if (box) {
    box.textContent = box.getAttribute("data-default");
    box.classList.remove("d-none");
  }
});

// <a data-history-back href="…">: back to the previous page; the href when there is none.
document.addEventListener("click", function (ev) {
  const a = ev.target.closest("a[data-history-back]");
  if (a && window.history.length > 1 && document.referrer) {
    ev.preventDefault();
    window.history.back();
  }
});

// <input type=checkbox data-check-all="NAME">: ticks or clears every input[name=NAME].
document.addEventListener("change", function (ev) {
  const box = ev.target.closest && ev.target.closest("input[data-check-all]");
  if (!box) return;
  const name = box.getAttribute("data-check-all");
  document.querySelectorAll("input[name='" + CSS.escape(name) + "']").forEach(function (c) { c.checked = box.checked; });
});

// <select data-autosubmit>: submits its form when changed.
document.addEventListener("change", function (ev) {
  const el = ev.target.closest && ev.target.closest("[data-autosubmit]");
  if (el && el.form) {
    if (el.form.requestSubmit) el.form.requestSubmit(); else el.form.submit();
  }
});

// <div class="progress-bar" data-progress="42">: the bar's width (set through the CSSOM,
// which the policy allows, instead of a style="" attribute, which it refuses).
function jyProgress() {
  document.querySelectorAll("[data-progress]").forEach(function (bar) {
    const p = Math.max(0, Math.min(100, parseFloat(bar.getAttribute("data-progress")) || 0));
    bar.style.width = p + "%";
  });
}
document.addEventListener("DOMContentLoaded", jyProgress);
document.addEventListener("htmx:load", jyProgress);

// Import job page: a failed poll of #job-status is retried by the next one; say so
// quietly instead of the page-wide error.
document.addEventListener("htmx:responseError", function (ev) {
  if (ev.target && ev.target.closest && ev.target.closest("#job-status")) {
    ev.stopImmediatePropagation();
    const note = document.getElementById("poll-retry");
    if (note) note.classList.remove("d-none");
  }
}, true);
document.addEventListener("htmx:sendError", function (ev) {
  if (ev.target && ev.target.closest && ev.target.closest("#job-status")) {
    const note = document.getElementById("poll-retry");
    if (note) note.classList.remove("d-none");
  }
}, true);
document.addEventListener("htmx:afterSwap", function (ev) {
  if (ev.target && ev.target.id === "job-status") {
    const note = document.getElementById("poll-retry");
    if (note) note.classList.add("d-none");
  }
});

// Export menu (imports/_export_menu.html): the links carry the list's current filter,
// read from the filter form when clicked (the form may have changed through htmx).
document.addEventListener("click", function (ev) {
  const a = ev.target.closest("[data-export]");
  if (!a || ev.defaultPrevented) return;
  const box = a.closest("[data-export-form]");
  const form = box && document.getElementById(box.getAttribute("data-export-form"));
  if (!form) return;
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form)) { if (v !== "" && k !== "page") params.set(k, v); }
  const target = new URL(a.href, window.location.href);
  for (const k of ["format", "encoding", "sensitive"]) {
    if (target.searchParams.has(k)) params.set(k, target.searchParams.get(k));
  }
  a.href = target.pathname + "?" + params.toString();
});
