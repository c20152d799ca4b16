/* The header's 「菜单」 on a phone. Without this script the button stays hidden and the menu
   stays open below the brand, so every link is still there. */
(function () {
  "use strict";

  function setUp(header) {
    var toggle = header.querySelector(".menu-toggle");
    if (!toggle) return;
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    if (!menu) return;

    function setOpen(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    }

    toggle.hidden = false;
    header.classList.add("menu-ready");
    setOpen(false);
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the menu and gives the focus back to 「菜单」, as a disclosure should.
    header.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || toggle.getAttribute("aria-expanded") !== "true") return;
      setOpen(false);
      toggle.focus();
    });
  }

  function start() {
    var headers = document.querySelectorAll("[data-menu]");
    for (var i = 0; i < headers.length; i++) setUp(headers[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
