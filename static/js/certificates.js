// 公示附件 → 加注 → 加注中… → 二建建造师注册证书, without leaving the page (the manual, section 3).
// Everything here is an enhancement: without JavaScript 「公示附件」 is a link to the same
// window as a page, 「加注」 posts and comes back, and a pending copy refreshes the page.
(function () {
  "use strict";
  // The status URL answers when the copy is made, or after WAIT_S seconds of still 加注中
  // (certificates.selectors.copy_await): the page asks again at once, and so learns of the file
  // as soon as the worker has stored it. After a failed request it waits RETRY_MS.
  var WAIT_S = 2;
  var RETRY_MS = 1000;
  var GIVE_UP_MS = 120000;  // two minutes; the worker takes well under a second

  // The window's content is replaced as the copy progresses: a region inside it would be
  // replaced too, so each step is said through the page's lasting one (static/js/a11y.js).
  function say(text) {
    if (window.Portal && window.Portal.announce) { window.Portal.announce(text); }
  }

  function load(container) {
    return fetch(container.dataset.partialUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
      .then(function (html) {
        // The focused 加注 button is about to be replaced: keep the focus in the window, on
        // the new file's link when it is there (a keyboard user would otherwise start over).
        var hadFocus = container.contains(document.activeElement) || container.hasAttribute("data-keep-focus");
        container.removeAttribute("data-keep-focus");
        container.innerHTML = html;
        wire(container);
        if (hadFocus) {
          var target = container.querySelector(".copy-link") || container.querySelector("button:not([disabled])");
          if (!target) { container.setAttribute("tabindex", "-1"); target = container; }
          target.focus();
        }
      })
      .catch(function () {
        var page = container.dataset.pageUrl || container.dataset.partialUrl.replace(/\?.*$/, "");
        container.innerHTML = '<p class="msg msg-error" role="alert">加载失败，请<a href="' + page +
          '">打开公示附件页面</a>。</p>';
      });
  }

  function stillShown(el) {
    var dialog = el.closest("dialog");
    return document.body.contains(el) && (!dialog || dialog.open);
  }

  // Asks until the copy is made (each request waits on the server), then shows the window
  // again with the 「二建建造师注册证书」 link in the place of 加注中….
  function poll(container, el, since) {
    since = since || Date.now();
    if (Date.now() - since >= GIVE_UP_MS) {
      el.querySelector(".pending-text").textContent = "加注时间较长，请稍后刷新页面查看";
      say("加注时间较长，请稍后刷新页面查看");
      return;
    }
    if (!stillShown(el)) { return; }
    var url = el.dataset.statusUrl + (el.dataset.statusUrl.indexOf("?") < 0 ? "?" : "&") + "wait=" + WAIT_S;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) {
        if (s.status === "pending") { poll(container, el, since); return; }
        say(s.status === "ready" ? "加注完成，可以下载“二建建造师注册证书”" : (s.error || "加注失败，请重新加注"));
        if (container) { load(container); } else { window.location.reload(); }
      })
      .catch(function () { setTimeout(function () { poll(container, el, since); }, RETRY_MS); });
  }

  function wire(container) {
    container.querySelectorAll("form.annotate-form").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var button = form.querySelector("button[type=submit]");
        var note = form.querySelector(".annotate-note");
        // Disabling the focused button drops the focus: load() puts it back in the window.
        if (form.contains(document.activeElement)) { container.setAttribute("data-keep-focus", ""); }
        button.disabled = true;
        note.classList.remove("error");
        note.textContent = "正在提交加注…";
        say("正在提交加注…");
        fetch(form.getAttribute("action"), {
          method: "POST", body: new FormData(form), credentials: "same-origin",
          headers: { "Accept": "application/json" }
        })
          .then(function (r) { return r.json(); })
          .then(function (j) {
            if (!j.ok) {
              note.textContent = j.message;
              say(j.message);
              note.classList.add("error");
              button.disabled = false;
              if (container.hasAttribute("data-keep-focus")) { container.removeAttribute("data-keep-focus"); button.focus(); }
              return;
            }
            say("已提交加注，正在生成证书文件，请稍候");
            load(container);
          })
          .catch(function () {
            note.textContent = "网络异常，请稍后重试";
            say("网络异常，请稍后重试");
            note.classList.add("error");
            button.disabled = false;
          });
      });
    });
    container.querySelectorAll("[data-status-url]").forEach(function (el) { poll(container, el); });
  }

  // 「公示附件」 on the case page: the window opens over the page.
  document.querySelectorAll("[data-attachments-dialog]").forEach(function (link) {
    var dialog = document.getElementById(link.dataset.attachmentsDialog);
    if (!dialog || typeof dialog.showModal !== "function") { return; }
    var body = dialog.querySelector(".attachments-body");
    link.addEventListener("click", function (e) {
      e.preventDefault();
      body.innerHTML = '<p class="muted"><span class="spinner" aria-hidden="true"></span> 正在加载…</p>';
      dialog.showModal();
      load(body);
    });
    dialog.querySelector("[data-dialog-close]").addEventListener("click", function () { dialog.close(); });
  });

  // The 公示附件 page itself (opened without the window), and 我的证照.
  document.querySelectorAll(".attachments-body[data-partial-url]").forEach(function (container) {
    if (!container.closest("dialog")) { wire(container); }
  });
  document.querySelectorAll("[data-status-url]").forEach(function (el) {
    if (!el.closest(".attachments-body")) { poll(null, el); }
  });
})();
