// Keyboards and screen readers, on every page (templates/base.html):
// - Portal.announce(text): says a status change aloud (加注 progress, autosave…) through a
//   role="status" region: the open modal dialog's [data-live] if there is one (the page
//   behind a modal dialog is inert, so its region would stay silent), else #live-status.
// - Every modal <dialog> gives the focus back, when it closes, to what had it before.
// - The sticky 保存/打印/提交 bar never hides the focused field (WCAG 2.4.11): the page keeps
//   the bar's height as scroll padding, so the browser scrolls a field out from under it.
// - A table wider than a phone scrolls inside its box; the box then takes the focus, so
//   that keyboard users can scroll it too.
(function () {
  "use strict";
  var Portal = window.Portal = window.Portal || {};

  Portal.announce = function (text) {
    var open = document.querySelector("dialog[open] [data-live]");
    var region = open || document.getElementById("live-status");
    if (!region) { return; }
    // Emptied first, so that the same words said twice are said again.
    region.textContent = "";
    setTimeout(function () { region.textContent = text; }, 50);
  };

  if (window.HTMLDialogElement) {
    var showModal = HTMLDialogElement.prototype.showModal;
    HTMLDialogElement.prototype.showModal = function () {
      this.portalOpener = document.activeElement;
      return showModal.apply(this, arguments);
    };
    // `close` does not bubble; a capturing listener on the document still hears it.
    document.addEventListener("close", function (e) {
      var opener = e.target.portalOpener;
      e.target.portalOpener = null;
      if (opener && opener.focus && document.contains(opener)) { opener.focus(); }
    }, true);
  }

  // Tab and Shift+Tab go round inside an open modal dialog: the browser would otherwise let
  // the focus leave it for the address bar, and the page behind is inert.
  var FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), " +
    "select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";
  function isModal(d) {
    try { return d.matches(":modal"); } catch (err) { return true; }
  }
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Tab") { return; }
    var dialog = document.querySelector("dialog[open]");
    if (!dialog || !isModal(dialog)) { return; }
    var stops = Array.prototype.filter.call(dialog.querySelectorAll(FOCUSABLE), function (el) {
      return el.getClientRects().length > 0;
    });
    if (!stops.length) { e.preventDefault(); return; }
    var first = stops[0], last = stops[stops.length - 1], here = document.activeElement;
    // A radio group is one stop, wherever its checked radio is.
    function sameStop(a, b) { return a === b || (a.type === "radio" && b.type === "radio" && a.name === b.name); }
    if (!dialog.contains(here)) {
      e.preventDefault();
      first.focus();
    } else if (e.shiftKey && sameStop(here, first)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && sameStop(here, last)) {
      e.preventDefault();
      first.focus();
    }
  });

  var bar = document.querySelector(".form-actions");
  function padForBar() {
    var sticky = bar && window.getComputedStyle(bar).position === "sticky";
    var height = sticky ? Math.ceil(bar.getBoundingClientRect().height) + 12 : 0;
    document.documentElement.style.setProperty("--sticky-bar", height + "px");
  }

  function scrollableTables() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        if (!box.hasAttribute("role")) { box.setAttribute("role", "region"); }
        if (!box.hasAttribute("aria-label")) {
          var caption = box.querySelector("caption");
          box.setAttribute("aria-label", (caption ? caption.textContent.trim() + "：" : "") + "表格，可左右滚动");
        }
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    });
  }

  function layout() { padForBar(); scrollableTables(); }
  layout();
  window.addEventListener("resize", layout);
})();
