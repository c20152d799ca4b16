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
  function markDirty() { dirty = true; }
  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);

  // Saves what was typed without leaving the page (before an upload or a print), so nothing
  // typed is lost when the page reloads.
  function saveQuietly() {
    var data = new FormData(form);
    data.set("action", "save");
    // getAttribute: form.action would be the buttons named "action".
    return fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } dirty = false; });
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
