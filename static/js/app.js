/* Small behaviour for the case pages. No inline scripts anywhere: this file is loaded
 * from every page and works through data attributes. */
(function () {
  "use strict";

  // Signal form: remove a picked pupil.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (!button) return;
    var row = button.closest("[data-pupil-row]");
    var search = document.getElementById("pupil-search");
    if (row) row.remove();
    if (search) search.focus();
  });

  // After a pupil is added, put the keyboard on its role choice.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "pupil-rows") {
      var search = document.getElementById("pupil-search");
      if (search) search.value = "";
      var selects = event.detail.target.querySelectorAll("select");
      if (selects.length) selects[selects.length - 1].focus();
    }
  });

  // Results list: arrow down from the search field moves into the results.
  document.addEventListener("keydown", function (event) {
    if (event.target.id !== "pupil-search" || event.key !== "ArrowDown") return;
    var first = document.querySelector("#pupil-results button");
    if (first) {
      event.preventDefault();
      first.focus();
    }
  });
})();
