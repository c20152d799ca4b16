// The application page and the case pages. Everything here is an enhancement: without
// JavaScript the 提交方式 radios stay in the form, the file inputs show an 上传 button and the
// server refuses a second submission anyway.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // 撤回, 删除: ask before a step that cannot be undone.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.dataset.confirm)) { e.preventDefault(); }
    });
  });

  var form = document.getElementById("apply-form");
  if (!form) { return; }
  var dirty = false;
  var submitting = false;

  // --- Nothing typed is lost (issue 11, part "drafts") ---------------------------------------
  // What is typed is kept in this tab's sessionStorage at once, and saved to the draft a few
  // seconds after typing stops (the autosave endpoint). The stash is cleared when a save has
  // everything; it is put back into the form when the page comes again at the same draft
  // version (a login that timed out, a reload), and dropped when the draft moved on since.
  var AUTOSAVE_DELAY_MS = 3000;
  var NOT_TYPED = ["csrfmiddlewaretoken", "client_token", "version", "action"];
  var versionInput = form.querySelector("input[name=version]");
  var autosaveStatus = document.getElementById("autosave-status");
  var autosaveUrl = form.getAttribute("data-autosave-url");
  var draftKey = "portal-draft:" + form.getAttribute("data-draft-key");
  var edits = 0;          // counts changes, to know whether a save had the latest of them
  var autosaveTimer = null;
  var inflight = null;
  var stopped = false;    // after a conflict: saving again would overwrite the other page

  function say(text, link) {
    if (!autosaveStatus) { return; }
    autosaveStatus.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      autosaveStatus.appendChild(document.createTextNode(" "));
      autosaveStatus.appendChild(a);
    }
  }
  function typedPairs() {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && NOT_TYPED.indexOf(name) < 0) { pairs.push([name, value]); }
    });
    return pairs;
  }
  function stash() {
    try {
      sessionStorage.setItem(draftKey, JSON.stringify({ version: versionInput.value, values: typedPairs() }));
    } catch (e) { /* storage full or disabled: the autosave still runs */ }
  }
  function unstash() {
    try { sessionStorage.removeItem(draftKey); } catch (e) { /* nothing kept */ }
  }
  function restore() {
    var kept = null;
    try { kept = JSON.parse(sessionStorage.getItem(draftKey) || "null"); } catch (e) { kept = null; }
    if (!kept || !kept.values) { return false; }
    if (kept.version !== versionInput.value) { unstash(); return false; }  // saved since, or stale
    var byName = {};
    kept.values.forEach(function (p) { (byName[p[0]] = byName[p[0]] || []).push(p[1]); });
    var seen = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      var values = byName[el.name];
      if (!values || el.type === "file" || el.type === "hidden" || NOT_TYPED.indexOf(el.name) >= 0) { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) >= 0;
      } else if (el.type === "select-multiple") {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) >= 0; });
      } else if ("value" in el) {
        var i = seen[el.name] || 0;
        if (i < values.length) { el.value = values[i]; }
        seen[el.name] = i + 1;
      }
    });
    return true;
  }

  // Resolves when the draft holds what the form holds now; rejects (with the reason shown).
  function autosave() {
    clearTimeout(autosaveTimer);
    if (stopped) { return Promise.reject(new Error("conflict")); }
    if (inflight) { return inflight.then(autosave); }
    var sent = edits;
    var data = new FormData(form);
    data.delete("action");
    inflight = fetch(autosaveUrl, {
      method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (answer) { return [r.status, answer]; });
    }, function () {
      return [0, {}];
    }).then(function (result) {
      var status = result[0], answer = result[1];
      inflight = null;
      if (status === 200 && answer.ok) {
        versionInput.value = String(answer.version);
        if (answer.edit_url && form.getAttribute("action") !== answer.edit_url) {
          // The first autosave of a new form made its draft: from now on the page is that draft's.
          unstash();
          form.setAttribute("action", answer.edit_url);
          autosaveUrl = answer.autosave_url;
          draftKey = "portal-draft:case-" + answer.case;
          history.replaceState(history.state, "", answer.edit_url);
        }
        if (edits === sent) { dirty = false; unstash(); } else { stash(); }
        say(answer.message);
        document.dispatchEvent(new CustomEvent("portal:session-touched"));
        return;
      }
      if (status === 401) {
        var back = answer.login_url + "?next=" + encodeURIComponent(location.pathname + location.search);
        var why = (answer.message || "登录已超时").replace(/[，。]?请重新登录$/, "");
        say(why + "，填写的内容已暂存在本浏览器，重新登录后回到本页即可继续。", { href: back, text: "重新登录" });
        document.dispatchEvent(new CustomEvent("portal:session-ended", { detail: { message: answer.message } }));
      } else if (status === 409) {
        stopped = true;
        say(answer.message || "此申请已在其他窗口或设备上修改，请刷新页面后再继续");
      } else {
        say("自动保存未成功，填写的内容已暂存在本浏览器，请稍后点击“保存信息”");
      }
      throw new Error(String(status));
    });
    return inflight;
  }
  function scheduleAutosave() {
    clearTimeout(autosaveTimer);
    autosaveTimer = setTimeout(function () { autosave().catch(function () { /* shown in the status */ }); }, AUTOSAVE_DELAY_MS);
  }
  function typed() {
    dirty = true;
    edits += 1;
    stash();
    if (!submitting) { scheduleAutosave(); }
  }
  form.addEventListener("input", typed);
  form.addEventListener("change", typed);
  if (restore()) {
    dirty = true;
    say("已恢复您上次未保存的填写内容");
    scheduleAutosave();
  }

  // Saves what was typed without leaving the page (before an upload or a print), so nothing
  // typed is lost when the page reloads.
  function saveQuietly() {
    return autosave();
  }

  // 提交方式: asked in a dialog at the first 保存信息 (the manual: 第一申报事项保存信息提示提交方式).
  var dialog = document.getElementById("submit-method-dialog");
  var group = document.getElementById("submit-method");
  var pendingSubmitter = null;
  if (dialog && group && typeof dialog.showModal === "function") {
    dialog.querySelector("[data-slot]").appendChild(group);  // the radios keep form="apply-form"
  } else {
    dialog = null;
  }
  function methodChosen() {
    var radios = form.elements.namedItem("submit_method");
    return !radios || !!radios.value;
  }
  if (dialog) {
    var error = dialog.querySelector(".dialog-error");
    dialog.querySelector("[data-dialog-confirm]").addEventListener("click", function () {
      if (!methodChosen()) { error.hidden = false; return; }
      dialog.close();
      form.requestSubmit(pendingSubmitter);
    });
    dialog.querySelector("[data-dialog-cancel]").addEventListener("click", function () { dialog.close(); });
  }

  form.addEventListener("submit", function (e) {
    if (submitting) { e.preventDefault(); return; }  // a double click sends one request
    var extracting = e.submitter && e.submitter.value === "extract";  // 提取信息 saves nothing
    if (dialog && !methodChosen() && !extracting) {
      e.preventDefault();
      pendingSubmitter = e.submitter || null;
      dialog.showModal();
      return;
    }
    submitting = true;
    dirty = false;
    clearTimeout(autosaveTimer);  // the page is being saved; the stash stays until it is
    var clicked = e.submitter;
    // Disabled after the event, so the clicked button's action=... still goes with the form.
    setTimeout(function () {
      document.querySelectorAll('button[form="apply-form"]').forEach(function (b) { b.disabled = true; });
      if (clicked && clicked.hasAttribute("data-final-submit")) { clicked.textContent = "正在提交…"; }
    }, 0);
  });

  // Materials: the name is the upload control; choosing a file sends it at once.
  document.querySelectorAll(".upload-form").forEach(function (uf) {
    var input = uf.querySelector("input[type=file]");
    var status = uf.querySelector(".upload-status");
    input.addEventListener("change", function () {
      if (!input.files.length) { return; }
      var up = window.PortalUploads;  // static/js/uploads.js: checks before sending, errors on the row
      var file = input.files[0];
      if (up) { up.clear(uf); }
      (up ? up.refusal(uf, file) : Promise.resolve("")).then(function (refused) {
        if (refused) { input.value = ""; up.show(uf, refused); return; }
        upload(file);
      });
    });
    function upload(file) {
      status.textContent = "正在上传“" + file.name + "”…";
      uf.classList.add("uploading");
      var send = function () {
        submitting = true;
        if (!window.PortalUploads) { uf.submit(); return; }
        window.PortalUploads.send(uf).then(function (leaving) {
          if (leaving) { return; }
          submitting = false;
          uf.classList.remove("uploading");
          status.textContent = "";
          input.value = "";
        }, function () {
          submitting = false;
          uf.classList.remove("uploading");
          input.value = "";
          status.textContent = "";
          window.PortalUploads.show(uf, "网络连接中断，文件未能上传，请稍后重新选择文件上传");
        });
      };
      if (!dirty) { send(); return; }
      saveQuietly().then(send, function () {
        // Uploading now would reload the page and lose what was typed.
        uf.classList.remove("uploading");
        input.value = "";
        status.textContent = "填写的内容未能保存，请先点击“保存信息”，再上传附件";
      });
    }
  });

  // 沿用: copying an earlier file reloads the page, so save what was typed first.
  document.querySelectorAll(".reuse-form").forEach(function (rf) {
    rf.addEventListener("submit", function (e) {
      if (!dirty) { submitting = true; return; }
      e.preventDefault();
      saveQuietly().then(function () { submitting = true; rf.submit(); }, function () {
        window.alert("填写的内容未能保存，请先点击“保存信息”，再沿用材料");
      });
    });
  });

  // 打印申请表 prints what is saved: save unsaved changes first (static/js/print.js asks
  // through portalBeforePrint, after its margin advice; this handler is for browsers without it).
  var print = document.getElementById("print-link");
  if (print) {
    print.portalBeforePrint = function () { return dirty ? saveQuietly() : Promise.resolve(); };
    print.addEventListener("click", function (e) {
      if (!dirty || print.dataset.printDialog) { return; }
      e.preventDefault();
      var tab = window.open("about:blank", "_blank");
      saveQuietly().then(function () {
        if (tab) { tab.location = print.href; } else { window.location = print.href; }
      }, function () {
        if (tab) { tab.close(); }
        window.alert("填写的内容未能保存，请先点击“保存信息”，再打印申请表");
      });
    });
  }

  window.addEventListener("beforeunload", function (e) {
    if (dirty && !submitting) { e.preventDefault(); e.returnValue = ""; }
  });
})();
