// Small progressive enhancements. Everything works without this file; the CSP forbids inline scripts.
(function () {
  "use strict";
  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // The navigation is a <details> element, open by default; on a phone it folds into the ☰ button.
  var menu = document.querySelector("details.menu");
  if (menu && !window.matchMedia("(min-width: 760px)").matches) {
    menu.open = false;
  }
  // A form is submitted once: a double click does not post twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    window.setTimeout(function () { delete form.dataset.submitted; }, 5000);
  });
})();
