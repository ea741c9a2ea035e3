/* Draw the year report's charts with Chart.js (served from static/vendor/chartjs).
 * Each <canvas data-report-chart="ID"> reads <script type="application/json" id="ID">,
 * written by Django's json_script: {"labels": [...], "datasets": [{"label", "values"}]}.
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
        indexAxis: canvas.dataset.horizontal ? "y" : "x",
        plugins: { legend: { display: several, position: "bottom" } },
        scales: {
          x: { ticks: { color: "#212529", precision: 0 }, beginAtZero: true },
          y: { ticks: { color: "#212529", precision: 0 }, beginAtZero: true },
        },
      },
    });
  });
})();
