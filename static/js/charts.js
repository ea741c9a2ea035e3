/* Draw the dashboard charts with Chart.js (served from static/vendor/chartjs).
 * Each <canvas data-chart="ID"> reads its data from <script type="application/json" id="ID">,
 * written by Django's json_script: {"labels": [...], "values": [...], "label": "..."}. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{
          label: data.label,
          data: data.values,
          backgroundColor: canvas.dataset.color || "#123a6b",
          borderRadius: 3,
        }],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: canvas.dataset.horizontal ? "y" : "x",
        plugins: { legend: { display: false } },
        scales: {
          x: { ticks: { color: "#212529", precision: 0 }, beginAtZero: true },
          y: { ticks: { color: "#212529", precision: 0 }, beginAtZero: true },
        },
      },
    });
  });
})();
