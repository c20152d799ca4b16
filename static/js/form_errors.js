// A refused form (templates/includes/form_errors.html): the error summary takes the focus,
// so a screen reader reads it and the keyboard starts there; each of its links moves the
// focus to its field, not only the scroll position. Without JavaScript the summary's
// autofocus does the first part and the links still scroll to the fields.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (e) {
    var link = e.target.closest("a[href^='#']");
    if (!link) { return; }
    var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) { return; }
    e.preventDefault();
    field.focus();
    field.scrollIntoView({ block: "center" });
  });
})();
