// The signature pad of the OPTimo form (signature_pad, vendored). Loaded after it.
(function () {
  "use strict";
  var canvas = document.getElementById("signature-canvas");
  if (!canvas || typeof SignaturePad === "undefined") return;
  var input = document.getElementById(canvas.dataset.input);
  var pad = new SignaturePad(canvas, {penColor: "rgb(10, 30, 90)"});
  var width = 0;
  function resize() {
    // Phones fire "resize" when the address bar hides: keep what was drawn, and
    // redraw only when the width really changed.
    if (canvas.offsetWidth === width) return;
    width = canvas.offsetWidth;
    var strokes = pad.toData();
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(strokes);
  }
  window.addEventListener("resize", resize);
  resize();
  // After a refused submission (say, the consent box), the drawing comes back and is
  // sent again as it was unless the signer draws more or clears it.
  var kept = input.value.indexOf("data:image/png;base64,") === 0 ? input.value : "";
  if (kept) {
    pad.fromDataURL(kept, {ratio: 1, width: canvas.offsetWidth, height: canvas.offsetHeight});
  }
  document.getElementById("signature-clear").addEventListener("click", function () {
    pad.clear();
    kept = "";
    input.value = "";
  });
  canvas.closest("form").addEventListener("submit", function () {
    input.value = pad.isEmpty() ? kept : pad.toDataURL("image/png");
  });
})();
