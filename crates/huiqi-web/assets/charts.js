// The platform's ECharts charts, kept out of the pages so that the Content-Security-Policy can
// forbid inline script. Each chart is a <div class="chart" data-chart="{json}"> with a known id;
// this file draws those present on the page. Tooltips are drawn on the canvas (renderMode
// 'richText'): ECharts' HTML tooltips carry inline style attributes, which the CSP refuses.
(function () {
  'use strict';
  function tip(options) {
    options.renderMode = 'richText';
    return options;
  }
  // A category axis's names are never cut: they wrap ('break') within a width that leaves the
  // bars room on a phone (at most 40% of the chart), and the grid makes room for them.
  function labelWidth(el) { return Math.max(72, Math.min(180, Math.floor(el.clientWidth * 0.4))); }
  // A horizontal bar chart grows with its categories, so wrapped names do not overlap
  // (CSSOM, not a style attribute: the CSP allows it).
  function fitHeight(el, n, perRow) {
    var h = Math.max(240, 60 + n * perRow);
    if (el.clientHeight < h) el.style.height = h + 'px';
  }
  function draw(id, make) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    var data = JSON.parse(el.dataset.chart);
    var chart = echarts.init(el);
    chart.setOption(make(data, el));
    window.addEventListener('resize', function () { chart.resize(); chart.setOption(make(data, el)); });
  }
  function run() {
    // 日常调度: completion against time progress, the month-by-month status counts, the ranking.
    draw('progress-chart', function (d, el) {
      fitHeight(el, d.labels.length, 44);
      return {
        tooltip: tip({ trigger: 'axis' }), legend: { data: ['完成率 %', '序时进度 %'] },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: 'value' },
        yAxis: { type: 'category', inverse: true, data: d.labels, axisLabel: { interval: 0, width: labelWidth(el), overflow: 'break', lineHeight: 14 } },
        series: [{ name: '完成率 %', type: 'bar', data: d.completion }, { name: '序时进度 %', type: 'bar', data: d.time }]
      };
    });
    draw('trend-chart', function (d) {
      function s(name, key, colour) { return { name: name, type: 'bar', stack: 'n', data: d[key], itemStyle: { color: colour } }; }
      return {
        tooltip: tip({ trigger: 'axis' }), legend: { data: ['绿', '黄', '红'] },
        grid: { left: 8, right: 8, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: d.labels }, yAxis: { type: 'value', name: '指标数', minInterval: 1 },
        series: [s('绿', 'green', '#2e7d32'), s('黄', 'yellow', '#f9a825'), s('红', 'red', '#c62828')]
      };
    });
    // The ranking as horizontal bars, first place on top: every county's name is readable.
    draw('rank-chart', function (d, el) {
      fitHeight(el, d.labels.length, 36);
      return {
        tooltip: tip({}), grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
        yAxis: { type: 'category', inverse: true, data: d.labels, axisLabel: { interval: 0, width: labelWidth(el), overflow: 'break' } },
        xAxis: { type: 'value', name: '%' },
        series: [{ name: d.name, type: 'bar', data: d.scores, label: { show: true, position: 'right', formatter: '{c}%' } }]
      };
    });
    // 政策沙盘: the change of each jurisdiction's benefits (one series; before and after are in the table).
    draw('whatif-chart', function (d) {
      return {
        tooltip: tip({ trigger: 'axis' }),
        grid: { left: 8, right: 8, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: d.labels, axisLabel: { interval: 0, rotate: 30, width: 90, overflow: 'break' } },
        yAxis: { type: 'value', name: '万元' },
        series: [{ name: '减免金额变化（万元）', type: 'bar', data: d.change }]
      };
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', run);
  } else {
    run();
  }
})();
