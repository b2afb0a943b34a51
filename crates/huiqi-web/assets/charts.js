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
  function draw(id, make) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return;
    var chart = echarts.init(el);
    chart.setOption(make(JSON.parse(el.dataset.chart)));
    window.addEventListener('resize', function () { chart.resize(); });
  }
  function run() {
    // 日常调度: completion against time progress, the month-by-month status counts, the ranking.
    draw('progress-chart', function (d) {
      return {
        tooltip: tip({ trigger: 'axis' }), legend: { data: ['完成率 %', '序时进度 %'] },
        grid: { left: 8, right: 8, bottom: 8, containLabel: true },
        xAxis: { type: 'value' }, yAxis: { type: 'category', data: d.labels, axisLabel: { width: 140, overflow: 'truncate' } },
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
    draw('rank-chart', function (d) {
      return {
        tooltip: tip({}), grid: { left: 8, right: 8, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: d.labels, axisLabel: { interval: 0, rotate: 30 } }, yAxis: { type: 'value' },
        series: [{ name: '综合得分', type: 'bar', data: d.scores }]
      };
    });
    // 政策沙盘: the change of each jurisdiction's benefits (one series; before and after are in the table).
    draw('whatif-chart', function (d) {
      return {
        tooltip: tip({ trigger: 'axis' }),
        grid: { left: 8, right: 8, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: d.labels, axisLabel: { interval: 0, rotate: 30 } },
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
