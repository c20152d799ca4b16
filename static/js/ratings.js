// 办件评价: the indicators are offered with every level; their heading follows the chosen level
// (“您满意的方面” / “您不满意的方面”). Without this script the neutral heading stays.
(function () {
  "use strict";
  var form = document.querySelector(".rating-form");
  if (!form) return;
  var prompt = form.querySelector("[data-rating-prompt]");
  var bad = { "2": true, "1": true };
  function update() {
    var chosen = form.querySelector("input[name=level]:checked");
    if (!chosen) return;
    prompt.textContent = bad[chosen.value] ? "您不满意的方面（至少选择一项）" : "您满意的方面（可多选）";
  }
  form.addEventListener("change", update);
  update();
})();
