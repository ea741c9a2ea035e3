/* Small behaviour for the case pages. No inline scripts anywhere: this file is loaded
 * from every page and works through data attributes. */
(function () {
  "use strict";

  // The search field of the picker around ``element``: the signal form's, or one marked
  // with data-picker (the No Blame group chosen with the victim).
  function pickerSearch(element) {
    var picker = element && element.closest("[data-picker]");
    return picker ? picker.querySelector("input[type=search]") : document.getElementById("pupil-search");
  }

  // Remove a picked pupil.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (!button) return;
    var row = button.closest("[data-pupil-row]");
    var search = pickerSearch(button);
    if (row) row.remove();
    if (search) search.focus();
  });

  // After a pupil is added, put the keyboard on its role choice (or back on the search).
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && (target.id === "pupil-rows" || target.hasAttribute("data-picker-rows"))) {
      var search = pickerSearch(target);
      if (search) search.value = "";
      var selects = target.querySelectorAll("select");
      if (selects.length) selects[selects.length - 1].focus();
      else if (search) search.focus();
    }
  });

  // Results list: arrow down from the search field moves into the results.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" || event.target.type !== "search") return;
    var results = event.target.getAttribute("aria-controls");
    var first = results && document.querySelector("#" + results + " button");
    if (first) {
      event.preventDefault();
      first.focus();
    }
  });
})();
