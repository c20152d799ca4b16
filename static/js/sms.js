// The 「获取验证码」 button: asks the server for a code for the mobile typed in the same
// form, shows the answer, and counts down before another request is allowed.
(function () {
  "use strict";
  document.querySelectorAll("form[data-sms-form]").forEach(function (form) {
    var button = form.querySelector("[data-sms-purpose]");
    if (!button) { return; }
    var status = form.querySelector(".sms-status");
    var label = button.textContent;
    function countdown(seconds) {
      button.disabled = true;
      var timer = setInterval(function () {
        seconds -= 1;
        button.textContent = seconds + "秒后重新获取";
        if (seconds <= 0) { clearInterval(timer); button.disabled = false; button.textContent = label; }
      }, 1000);
      button.textContent = seconds + "秒后重新获取";
    }
    button.addEventListener("click", function () {
      var mobile = form.querySelector("[name=mobile]");
      var kind = form.querySelector("[name=kind]:checked") || form.querySelector("[name=kind]");
      var body = new URLSearchParams();
      body.set("mobile", mobile ? mobile.value : "");
      body.set("purpose", button.dataset.smsPurpose);
      if (kind) { body.set("kind", kind.value); }
      body.set("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      // Anti-automation (lib/antibot.py): when the page was shown, and the field people never see.
      ["form_stamp", "website"].forEach(function (name) {
        var input = form.querySelector("[name=" + name + "]");
        if (input) { body.set(name, input.value); }
      });
      button.disabled = true;
      fetch(form.dataset.smsUrl, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          status.textContent = data.message;
          status.className = "help sms-status " + (data.ok ? "ok" : "errorlist");
          if (data.ok) { countdown(60); } else { button.disabled = false; }
        })
        .catch(function () { status.textContent = "网络异常，请稍后重试"; button.disabled = false; });
    });
  });
})();
