// Résilia's small behaviours, in one static file (the Content-Security-Policy allows no
// inline script). Each one looks for its element and does nothing where it is absent;
// without JavaScript every page still works.
(function () {
  "use strict";

  // The client area's side menu and the back office's filters: always open on a wide
  // screen; on a phone they open on demand so that the page's content comes first.
  var wide = window.matchMedia("(min-width: 800px)");
  var openWhenWide = function () {
    if (!wide.matches) return;
    document.querySelectorAll("details[data-open-when-wide]").forEach(function (details) {
      details.open = true;
    });
  };
  wide.addEventListener("change", openWhenWide);
  openWhenWide();

  // A table or chart wider than the screen scrolls inside its box: the box can then be
  // focused, so that it scrolls from the keyboard too.
  var scrollBoxes = document.querySelectorAll(".table-scroll, .chart-scroll");
  var focusableWhenScrolling = function () {
    scrollBoxes.forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) {
        box.tabIndex = 0;
      } else {
        box.removeAttribute("tabindex");
      }
    });
  };
  window.addEventListener("resize", focusableWhenScrolling);
  focusableWhenScrolling();

  // A chart wider than a phone scrolls inside its card: it opens on the latest weeks.
  document.querySelectorAll(".chart-scroll").forEach(function (box) {
    box.scrollLeft = box.scrollWidth;
  });

  // The back office's tab bar scrolls sideways on a phone: the current tab is brought
  // into view (the edges' shadows say there is more on either side).
  var currentTab = document.querySelector(".bo-nav [aria-current=page]");
  if (currentTab) {
    var nav = currentTab.closest(".bo-nav");
    if (nav.scrollWidth > nav.clientWidth) {
      nav.scrollLeft = currentTab.offsetLeft - (nav.clientWidth - currentTab.offsetWidth) / 2;
    }
  }

  // Cancellation form: the new provider's name only for a change of provider, the
  // reason only for "other".
  // The retention duration only once retention is ticked; the phone-line questions only
  // for a subscription over the operator's line.
  // The same on the page without login (its form has no phone-line blocks to toggle).
  document.querySelectorAll("#cancel-form, #public-cancel-form").forEach(function (cancelForm) {
    var withLine = JSON.parse(
      (document.getElementById("subscriptions-with-a-line") || {}).textContent || "[]"
    );
    var updateForm = function () {
      var kind = cancelForm.querySelector("input[name=kind]:checked");
      cancelForm.querySelectorAll("[data-show-for-kind]").forEach(function (block) {
        block.hidden = !kind || block.dataset.showForKind !== kind.value;
      });
      cancelForm.querySelectorAll("[data-show-when-checked]").forEach(function (block) {
        var box = document.getElementById(block.dataset.showWhenChecked);
        block.hidden = !box || !box.checked;
      });
      var subscription = cancelForm.querySelector("input[name=subscription]:checked");
      cancelForm.querySelectorAll("[data-show-for-line]").forEach(function (block) {
        block.hidden = !subscription || withLine.indexOf(subscription.value) === -1;
      });
    };
    cancelForm.addEventListener("change", updateForm);
    updateForm();
  });

  // "Copier" beside a switching code: the code goes to the clipboard, the button says so.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      if (!source || !navigator.clipboard) return;
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = button.dataset.copied;
      });
    });
  });

  // After a refused submission, focus goes to the list of errors at the top of the
  // form, whose links lead to each field (a screen reader reads it at once).
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // The live summary changes as the fields change: a short status line says what changed
  // (a screen reader would otherwise read the whole block again at each change).
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var status = document.getElementById("summary-status");
    var fresh = event.target.querySelector("[data-announce]");
    if (status && fresh) {
      status.textContent = fresh.dataset.announce;
    }
  });

  // A double click sends a request once (the server also returns the same request for
  // a repeated submission, so this only avoids a confusing second page).
  document.querySelectorAll("[data-once]").forEach(function (button) {
    button.form.addEventListener("submit", function () { button.disabled = true; });
  });
})();
