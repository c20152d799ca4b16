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
  function sync() {
    var hide = type.value === type.dataset.withoutParticulars;
    fields.forEach(function (field) { field.hidden = hide; });
  }
  type.addEventListener("change", sync);
  sync();
})();
