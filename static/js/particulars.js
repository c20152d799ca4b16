// 注册: 性别 and 出生日期 are asked only for a document whose number does not carry them
// (ADR 0038). The 证件类型 select names the type that needs neither (data-without-particulars);
// for it both fields are hidden. Without JavaScript both stay visible, with a note saying so,
// and the server drops them for that type anyway.
(function () {
  "use strict";
  var type = document.querySelector("select[data-without-particulars]");
  if (!type) { return; }
  var fields = ["sex", "birth_date"].map(function (name) {
    var input = type.form && type.form.querySelector("[name=" + name + "]");
    return input ? input.closest(".field") : null;
  }).filter(Boolean);
  // Shown, they are required (the server says so if left empty): marked as every required
  // field is, with the star and for screen readers.
  fields.forEach(function (field) {
    var label = field.querySelector("label");
    if (label && !label.querySelector(".req")) {
      var star = document.createElement("span");
      star.className = "req";
      star.setAttribute("aria-hidden", "true");
      star.textContent = "*";
      label.insertBefore(star, label.firstChild);
    }
  });
  function sync() {
    var hide = type.value === type.dataset.withoutParticulars;
    fields.forEach(function (field) {
      field.hidden = hide;
      var input = field.querySelector("select, input");
      if (input) { input.setAttribute("aria-required", hide ? "false" : "true"); }
    });
  }
  type.addEventListener("change", sync);
  sync();
})();
