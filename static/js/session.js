// The idle timeout, announced (issue 11, part "drafts"): two minutes before the login ends
// for want of activity, a dialog offers 「继续办理」, which renews the session. The time left
// is counted from the last request any tab of this site made (shared through localStorage),
// so a tab left open does not warn while the user works in another.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-session-idle") || "", 10);
  var dialog = document.getElementById("session-dialog");
  if (!idle || !dialog || typeof dialog.showModal !== "function") { return; }
  var WARN_SECONDS = Math.min(120, Math.floor(idle / 2));
  var KEY = "portal-session-touched";
  var keepaliveUrl = body.getAttribute("data-keepalive-url");
  var continueButton = dialog.querySelector("[data-session-continue]");
  var loginLink = dialog.querySelector("[data-session-login]");
  var text = dialog.querySelector("[data-session-text]");
  var left = dialog.querySelector("[data-session-left]");
  var lastTouched = Date.now();
  var expired = false;
  var returnFocus = null;

  function shared() {
    try { return parseInt(localStorage.getItem(KEY) || "0", 10) || 0; } catch (e) { return 0; }
  }
  function touched() {
    lastTouched = Math.max(Date.now(), shared());
    try { localStorage.setItem(KEY, String(lastTouched)); } catch (e) { /* this tab alone */ }
    if (dialog.open && !expired) { close(); }
  }
  function close() {
    dialog.close();
    // Back where the user was (the field being typed in), not at the top of the page.
    if (returnFocus && document.contains(returnFocus)) { returnFocus.focus(); }
    returnFocus = null;
  }
  function open() {
    returnFocus = document.activeElement;
    dialog.showModal();  // modal: the page behind is inert, Tab stays in the dialog
    continueButton.focus();
  }
  // `why` is the server's word when it gave one (「登录已超过12小时，请重新登录」).
  function expire(why) {
    expired = true;
    text.textContent = (why ? why.replace(/[，。]?请重新登录$/, "") : "登录已超时") +
      "。已自动保存的内容不会丢失，请重新登录后继续办理。";
    left.textContent = "";
    continueButton.hidden = true;
    loginLink.hidden = false;
    loginLink.href = loginLink.getAttribute("href").split("?")[0] + "?next=" +
      encodeURIComponent(location.pathname + location.search);
    if (!dialog.open) { open(); }
    loginLink.focus();
    document.dispatchEvent(new CustomEvent("portal:session-expired"));
  }
  function tick() {
    if (expired) { return; }
    lastTouched = Math.max(lastTouched, shared());
    var remaining = idle - Math.floor((Date.now() - lastTouched) / 1000);
    if (remaining <= 0) { expire(); return; }
    if (remaining <= WARN_SECONDS) {
      if (!dialog.open) { open(); }
      left.textContent = "剩余约 " + (remaining >= 60 ? Math.ceil(remaining / 60) + " 分钟" : remaining + " 秒");
    } else if (dialog.open) {
      close();  // another tab kept the session alive
    }
  }
  function keepAlive() {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var data = new FormData();
    if (token) { data.set("csrfmiddlewaretoken", token.value); }
    continueButton.disabled = true;
    fetch(keepaliveUrl, { method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" } })
      // Anything but a JSON yes (a 401, a login page, a proxy's error page, no network) means
      // the login is gone or unreachable: the dialog says so and offers the login page.
      .then(function (r) {
        return r.json().then(function (answer) {
          return { ok: r.ok && !!answer.ok, message: answer.message };
        }, function () { return { ok: false }; });
      }, function () { return { ok: false }; })
      .then(function (answer) {
        continueButton.disabled = false;
        if (answer.ok) { touched(); } else { expire(answer.message); }
      });
  }
  // Tab stays inside the modal dialog and focus returns on close: static/js/a11y.js does
  // that for every modal <dialog>.
  continueButton.addEventListener("click", keepAlive);
  // Escape means "not now": keep the login rather than let it lapse unseen.
  dialog.addEventListener("cancel", function (e) {
    e.preventDefault();
    if (!expired) { keepAlive(); }
  });
  document.addEventListener("portal:session-touched", touched);
  // An autosave answered 401 (the login ran out, or reached its absolute lifetime).
  document.addEventListener("portal:session-ended", function (e) {
    if (!expired) { expire(e.detail && e.detail.message); }
  });
  window.addEventListener("storage", function (e) { if (e.key === KEY) { tick(); } });
  touched();
  setInterval(tick, 1000);
})();
