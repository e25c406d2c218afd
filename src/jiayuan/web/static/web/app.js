// Jiayuan page helpers (no framework beyond htmx and Bootstrap).
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
