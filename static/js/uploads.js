// Uploads on the application page (templates/cases/_materials.html). Before a file is sent
// the browser checks what it can — size, extension, browser-given type and the first bytes —
// and refuses with the server's own sentence (carried in the form's data- attributes), so a
// 26 MB scan or a PDF renamed .jpg never travels. What passes is sent by fetch; a refusal by
// the server lands on the material's own row like the browser's, focused so it is read out.
// Without JavaScript the form posts and the server puts the message on the row itself.
(function () {
  "use strict";
  var IMAGE_EXT = ["jpg", "jpeg", "png"];
  var ANY_EXT = IMAGE_EXT.concat(["pdf"]);
  var IMAGE_MIME = ["image/jpeg", "image/png"];
  var ANY_MIME = IMAGE_MIME.concat(["application/pdf"]);

  function errorBox(form) { return document.getElementById(form.dataset.error); }

  function show(form, message) {
    var box = errorBox(form);
    var input = form.querySelector("input[type=file]");
    box.textContent = message;
    box.hidden = false;
    input.setAttribute("aria-invalid", "true");
    form.closest(".material-row").classList.add("material-refused");
    box.focus();  // read out at once, and the page scrolls to the row
  }

  function clear(form) {
    var box = errorBox(form);
    box.hidden = true;
    box.textContent = "";
    form.querySelector("input[type=file]").removeAttribute("aria-invalid");
    form.closest(".material-row").classList.remove("material-refused");
  }

  // What the first bytes say the file is, as the server's sniffing would.
  function sniff(file) {
    return file.slice(0, 8).arrayBuffer().then(function (buf) {
      var b = new Uint8Array(buf);
      if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) { return "image"; }
      if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) { return "image"; }
      if (b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46) { return "pdf"; }
      return "other";
    });
  }

  // Resolves to "" when the file may be sent, else to the sentence refusing it.
  function refusal(form, file) {
    var imagesOnly = form.dataset.imagesOnly === "1";
    var ext = (file.name.split(".").pop() || "").toLowerCase();
    var mime = (file.type || "").toLowerCase();
    if (file.size > Number(form.dataset.maxBytes)) { return Promise.resolve(form.dataset.refusalSize); }
    var exts = imagesOnly ? IMAGE_EXT : ANY_EXT;
    var mimes = imagesOnly ? IMAGE_MIME : ANY_MIME;
    if (exts.indexOf(ext) < 0 || (mime && mimes.indexOf(mime) < 0)) {
      return Promise.resolve(form.dataset.refusalType);
    }
    return sniff(file).then(function (kind) {
      var ok = kind === "image" || (kind === "pdf" && !imagesOnly);
      return ok ? "" : form.dataset.refusalType;
    }, function () { return ""; });  // unreadable here: the server decides
  }

  // Resolves true when the page is being reloaded at the row (uploaded), false when refused.
  function send(form) {
    var data = new FormData(form);
    return fetch(form.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (r) {
      var json = (r.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      // A 401 (the login ended) goes the ordinary way too: the login page, then back here.
      if (!json || r.status === 401) { throw new Error(String(r.status)); }
      return r.json().then(function (answer) {
        if (answer.ok) {
          // Reload at the material's row, where the new file is listed.
          window.history.replaceState(null, "", answer.location);
          window.location.reload();
          return true;
        }
        show(form, answer.message);
        return false;
      });
    }).catch(function (e) {
      // Not an answer of the upload view (a lapsed login, a proxy's refusal): let the
      // browser post the form the ordinary way, which handles each of those.
      if (e instanceof Error && /^\d+$/.test(e.message)) { form.submit(); return true; }
      throw e;
    });
  }

  window.PortalUploads = { refusal: refusal, send: send, show: show, clear: clear };
})();
