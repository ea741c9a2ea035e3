// Signing the plan van aanpak on the screen with signature_pad (static/vendor/signature_pad).
// The drawing goes to the hidden "signature" field as a PNG data URL when the form is sent.
(function () {
  "use strict";
  var canvas = document.querySelector("[data-signature-pad]");
  if (!canvas || typeof window.SignaturePad === "undefined") {
    return;
  }
  var form = canvas.closest("form");
  var field = form.querySelector("input[name=signature]");
  var error = form.querySelector("[data-signature-error]");
  var pad = new window.SignaturePad(canvas, {
    penColor: canvas.dataset.penColor || "#182d6e",
    minWidth: 1,
    maxWidth: 3.2,
  });

  // Match the canvas to its size on screen and the screen's pixel density, keeping the drawing.
  function resize() {
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var strokes = pad.toData();
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(strokes);
  }
  window.addEventListener("resize", resize);
  resize();

  pad.addEventListener("beginStroke", function () { error.hidden = true; });
  form.querySelector("[data-signature-clear]").addEventListener("click", function () {
    pad.clear();
    field.value = "";
  });
  form.addEventListener("submit", function (event) {
    if (pad.isEmpty()) {
      event.preventDefault();
      error.hidden = false;
      canvas.focus();
      return;
    }
    field.value = pad.toDataURL("image/png");
  });
})();
