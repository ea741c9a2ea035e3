/* Draw the year report's charts with Chart.js (served from static/vendor/chartjs).
 * Each <canvas data-report-chart="ID"> reads <script type="application/json" id="ID">,
 * written by Django's json_script: {"labels": [...], "datasets": [{"label", "values"}]}.
 * labels[i] belongs to values[i] of every dataset, in the order of the table's rows.
 * A hidden (small) count is null: no bar; the table beside the chart shows "< 5". */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;
  var colors = ["#123a6b", "#c2571a", "#2f7d4f", "#7b3f8c", "#8a6d00", "#3b7ea1"];

  document.querySelectorAll("canvas[data-report-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.reportChart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var several = data.datasets.length > 1;
    var horizontal = Boolean(canvas.dataset.horizontal);
    if (horizontal) {
      /* Room for every label: a row of bars per category (one bar per dataset), so
       * Chart.js never has to leave a category's name out. */
      var row = 14 + 12 * data.datasets.length;
      var needed = 48 + (several ? 28 : 0) + row * data.labels.length;
      var box = canvas.parentNode;
      if (box.clientHeight < needed) box.style.height = needed + "px";
    }
    /* The category axis shows every label: skipping some would put a bar next to the
     * name of its neighbour. A long horizontal label wraps instead of being cut. */
    var category = {
      ticks: { color: "#212529", autoSkip: false },
      grid: { display: !horizontal },
    };
    var count = { ticks: { color: "#212529", precision: 0 }, beginAtZero: true };
    if (horizontal) {
      category.ticks.callback = function (value) {
        return wrap(this.getLabelForValue(value), 28);
      };
    }
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set, i) {
          return {
            label: set.label,
            data: set.values,
            backgroundColor: colors[i % colors.length],
            borderRadius: 3,
          };
        }),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        plugins: { legend: { display: several, position: "bottom" } },
        scales: horizontal ? { y: category, x: count } : { x: category, y: count },
      },
    });
  });

  /* A label as lines of at most `width` characters, broken between words. */
  function wrap(text, width) {
    var lines = [];
    String(text).split(" ").forEach(function (word) {
      var last = lines.length - 1;
      if (last >= 0 && (lines[last] + " " + word).length <= width) lines[last] += " " + word;
      else lines.push(word);
    });
    return lines.length > 1 ? lines : lines[0];
  }
})();
