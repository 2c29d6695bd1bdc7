/* Charts (Apache ECharts, static/vendor/echarts): each page has a #charts element whose data-url is the JSON route
   the page's tables were rendered from, and data-labels the series names in the page's language. This script fetches
   that JSON once and draws into the .chart elements that exist on the page (analytics: judges, distribution,
   progress, z-scores; merit: trends per unit, deductions by item). Charts are decoration over the tables: if the
   JSON cannot be read the tables still say everything. */
(function () {
  'use strict';
  var root = document.getElementById('charts');
  if (!root || typeof echarts === 'undefined') return;
  var labels = JSON.parse(root.getAttribute('data-labels') || '{}');
  var RED = '#b71c1c', GOLD = '#c77800', BLUE = '#1565c0', GREEN = '#2e7d32', GREY = '#9e9e9e';
  var charts = [];

  function draw(id, option) {
    var node = document.getElementById(id);
    if (!node) return;
    var chart = echarts.init(node, null, {renderer: 'canvas'});
    chart.setOption(Object.assign({animation: false, textStyle: {fontSize: 13}, tooltip: {trigger: 'axis'},
      grid: {left: 48, right: 16, top: 40, bottom: 56, containLabel: true}}, option));
    charts.push(chart);
    node.setAttribute('data-drawn', '1');
  }

  function names(judges) { return judges.map(function (j) { return j.name; }); }
  function pick(judges, key) { return judges.map(function (j) { return j[key]; }); }
  function category(data) { return {type: 'category', data: data, axisLabel: {interval: 0, rotate: data.length > 6 ? 30 : 0}}; }

  function analytics(d) {
    var j = d.judges || [];
    if (j.length) {
      draw('chart-deviation', {legend: {}, xAxis: category(names(j)), yAxis: {type: 'value', name: '%'},
        series: [{name: labels.mean_deviation, type: 'bar', data: pick(j, 'mean_deviation'), itemStyle: {color: RED}},
                 {name: labels.mean_abs_deviation, type: 'bar', data: pick(j, 'mean_abs_deviation'), itemStyle: {color: GOLD}},
                 {name: labels.spread, type: 'line', data: pick(j, 'spread'), itemStyle: {color: BLUE}}]});
      draw('chart-dropped', {legend: {}, xAxis: category(names(j)), yAxis: {type: 'value', name: '%'},
        series: [{name: labels.dropped_high, type: 'bar', stack: 'd', data: pick(j, 'dropped_high_rate'), itemStyle: {color: RED}},
                 {name: labels.dropped_low, type: 'bar', stack: 'd', data: pick(j, 'dropped_low_rate'), itemStyle: {color: BLUE}}]});
      draw('chart-correlation', {xAxis: category(names(j)), yAxis: {type: 'value', min: -1, max: 1},
        series: [{name: labels.correlation, type: 'bar', data: pick(j, 'correlation'), itemStyle: {color: GREEN}}]});
    }
    if (d.distribution) {
      draw('chart-distribution', {xAxis: category(d.distribution.bins), yAxis: {type: 'value', minInterval: 1},
        series: [{name: labels.entries, type: 'bar', barCategoryGap: '4%', data: d.distribution.counts, itemStyle: {color: RED}}]});
    }
    if (d.progress && d.progress.length) {
      var cats = [], done = [], left = [];
      d.progress.forEach(function (p) {
        p.judges.forEach(function (x) { cats.push(p.name + ' · ' + x.name); done.push(x.submitted); left.push(x.total - x.submitted); });
      });
      draw('chart-progress', {legend: {top: 0}, yAxis: {type: 'category', data: cats, inverse: true}, xAxis: {type: 'value', minInterval: 1},
        grid: {left: 16, right: 24, top: 36, bottom: 8, containLabel: true},
        series: [{name: labels.submitted, type: 'bar', stack: 'p', data: done, itemStyle: {color: GREEN}},
                 {name: labels.remaining, type: 'bar', stack: 'p', data: left, itemStyle: {color: GREY}}]});
    }
    if (d.z) {
      draw('chart-z', {tooltip: {position: 'top'}, xAxis: category(d.z.entries), yAxis: {type: 'category', data: d.z.judges},
        visualMap: {min: -2.5, max: 2.5, calculable: true, orient: 'horizontal', left: 'center', bottom: 0,
                    inRange: {color: [BLUE, '#f5f5f5', RED]}},
        grid: {left: 16, right: 16, top: 16, bottom: 72, containLabel: true},
        series: [{name: labels.z, type: 'heatmap', data: d.z.cells.map(function (c) { return [c[1], c[0], c[2]]; })}]});
    }
  }

  function merit(d) {
    if (d.trends && d.trends.units.length) {
      draw('chart-trends', {legend: {type: 'scroll'}, xAxis: category(d.trends.periods), yAxis: {type: 'value', scale: true},
        series: d.trends.units.map(function (u) { return {name: u.name, type: 'line', connectNulls: false, data: u.scores}; })});
    }
    if (d.losses && d.losses.items.length) {
      draw('chart-losses', {xAxis: {type: 'value'}, yAxis: {type: 'category', data: d.losses.items.map(function (i) { return i.name; }), inverse: true},
        grid: {left: 16, right: 24, top: 16, bottom: 24, containLabel: true},
        series: [{name: labels.lost, type: 'bar', data: d.losses.items.map(function (i) { return i.points; }), itemStyle: {color: RED}}]});
    }
  }

  fetch(root.getAttribute('data-url'), {credentials: 'same-origin', headers: {'Accept': 'application/json'}})
    .then(function (res) { if (!res.ok) throw new Error(res.status); return res.json(); })
    .then(function (d) { if (root.getAttribute('data-kind') === 'merit') merit(d); else analytics(d); root.setAttribute('data-ready', '1'); })
    .catch(function () { root.setAttribute('data-ready', 'error'); });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
