// A form of the back office is sent once: the second click of a double click (or a second Enter) while the
// first request is on its way is dropped. Otherwise the browser shows the second request's answer: for
// "Transmitir" that was "aguardando SEFAZ, aguarde 5 minutos" while the first click's NF-e was authorised.
// The button is not disabled (a disabled submitter would leave its name and value out of the form).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || (form.getAttribute("method") || "get").toLowerCase() !== "post" ||
      form.hasAttribute("hx-post")) {
    return;
  }
  if (form.dataset.enviando) {
    event.preventDefault();
    return;
  }
  form.dataset.enviando = "1";
  form.setAttribute("aria-busy", "true");
});

// Back to a page from the browser's cache (the back button): its forms can be sent again.
window.addEventListener("pageshow", function (event) {
  if (event.persisted) {
    document.querySelectorAll("form[data-enviando]").forEach(function (form) {
      delete form.dataset.enviando;
      form.removeAttribute("aria-busy");
    });
  }
});

// A read-only field made to be copied (the install link) is selected whole when it takes the focus. Here, not in an
// onfocus attribute: the pages' Content-Security-Policy runs no inline script.
document.addEventListener("focusin", function (event) {
  if (event.target.matches && event.target.matches("input[data-select-on-focus]")) {
    event.target.select();
  }
});
