// Résilia's small behaviours, in one static file (the Content-Security-Policy allows no
// inline script). Each one looks for its element and does nothing where it is absent;
// without JavaScript every page still works.
(function () {
  "use strict";

  // Side menu: always open on a wide screen; on a phone it opens on demand so that the
  // page's content comes first.
  var menu = document.getElementById("menu-details");
  if (menu) {
    var wide = window.matchMedia("(min-width: 800px)");
    var syncMenu = function () { if (wide.matches) menu.open = true; };
    wide.addEventListener("change", syncMenu);
    syncMenu();
  }

  // Cancellation form: the new provider's name only for a change of provider, the
  // reason only for "other".
  var cancelForm = document.getElementById("cancel-form");
  if (cancelForm) {
    var updateKind = function () {
      var checked = cancelForm.querySelector("input[name=kind]:checked");
      cancelForm.querySelectorAll("[data-show-for-kind]").forEach(function (block) {
        block.hidden = !checked || block.dataset.showForKind !== checked.value;
      });
    };
    cancelForm.addEventListener("change", updateKind);
    updateKind();
  }

  // A double click sends a request once (the server also returns the same request for
  // a repeated submission, so this only avoids a confusing second page).
  document.querySelectorAll("[data-once]").forEach(function (button) {
    button.form.addEventListener("submit", function () { button.disabled = true; });
  });
})();
