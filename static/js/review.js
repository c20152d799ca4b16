// The staff workbench's case page (templates/review/case.html).
// One click, one request: a second click (or Enter) while the first POST is on its way is
// ignored. The server refuses a repeat anyway; this spares staff the confusing message.
(function () {
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.dataset.label = button.textContent;
        button.disabled = true;
        button.textContent = "正在提交…";
      });
    });
  });
  // Back from the next page (bfcache): make the buttons usable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = false;
        if (button.dataset.label) { button.textContent = button.dataset.label; }
      });
    });
  });
})();
