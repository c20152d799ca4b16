// 「打印申请表」 as the manual says: first the margin advice (更多设置 → 边距 → 最小值), then
// the browser's print dialog on the A4 form itself — the PDF loaded into a hidden frame and
// printed from there — with 「正在生成申请表…」 shown (and read out) while the PDF is made.
// Without JavaScript, or without <dialog>, the link opens the PDF in a new tab as before.
(function () {
  "use strict";
  var link = document.getElementById("print-link");
  var dialog = document.getElementById("print-dialog");
  var status = document.getElementById("print-status");
  if (!link || !dialog || !status || typeof dialog.showModal !== "function") { return; }
  link.dataset.printDialog = "1";  // static/js/cases.js leaves the click to this file
  var frame = null;
  var busy = false;

  function say(text) { status.textContent = text; }

  function done(text) {
    busy = false;
    link.removeAttribute("aria-disabled");
    say(text);
  }

  link.addEventListener("click", function (e) {
    e.preventDefault();
    if (!busy) { dialog.showModal(); }
  });
  dialog.querySelector("[data-print-cancel]").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("close", function () { if (!busy) { link.focus(); } });
  dialog.querySelector("[data-print-continue]").addEventListener("click", function () {
    busy = true;
    dialog.close();
    link.setAttribute("aria-disabled", "true");
    say("正在生成申请表…");
    // Unsaved changes are saved first: the form prints what is saved (static/js/cases.js).
    var ready = link.portalBeforePrint ? link.portalBeforePrint() : Promise.resolve();
    ready.then(load, function () { done("填写的内容未能保存，请先点击“保存信息”，再打印申请表"); });
  });

  function load() {
    if (frame) { frame.remove(); }
    frame = document.createElement("iframe");
    frame.className = "print-frame";
    frame.title = "申请表（打印用）";
    frame.tabIndex = -1;
    frame.setAttribute("aria-hidden", "true");
    frame.addEventListener("load", function () {
      var win = frame.contentWindow;
      var doc = null;
      try { doc = frame.contentDocument; } catch (err) { doc = null; }
      if (doc && doc.contentType && doc.contentType !== "application/pdf") {
        done("申请表生成失败，请稍后重试，或联系技术支持");
        return;
      }
      done("申请表已生成，请在打印窗口中按提示设置边距后打印");
      try {
        win.focus();
        win.print();
      } catch (err) {
        // A browser that will not print a framed PDF: open it in a tab, printed from there.
        window.open(link.href, "_blank", "noopener");
      }
    });
    // A fresh copy each time: the form may have been saved since the last print.
    frame.src = link.href + (link.href.indexOf("?") < 0 ? "?" : "&") + "t=" + Date.now();
    document.body.appendChild(frame);
  }
})();
