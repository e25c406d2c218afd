/* Dashboards (stats/dashboards): each panel's figures are fetched as JSON (the answer of
   GET /api/v1/dashboards/{panel}, served for the page's session at data-src) and drawn
   with ECharts (vendor/echarts.min.js, pinned in frontend/package.json). No inline
   script or style (Content-Security-Policy): texts come from data-* attributes of
   #dashboard and from the JSON. A bar of a chart whose JSON carries "drill" (the codes of
   the child regions) opens that child's dashboard for the same period. */
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root || !window.echarts) return;
  var charts = [];
  var COLORS = ["#c0392b", "#2c7fb8", "#f39c12", "#27ae60", "#8e44ad", "#16a085", "#7f8c8d", "#d35400"];

  function text(tag, cls, content) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (content !== undefined && content !== null) el.textContent = content;
    return el;
  }

  function fmt(v) {
    if (v === null || v === undefined) return "";
    return Number(v).toLocaleString(document.documentElement.lang || "zh-CN", {maximumFractionDigits: 2});
  }

  function renderKpis(box, kpis) {
    box.textContent = "";
    kpis.forEach(function (k) {
      var item = text("div", "dash-kpi");
      item.setAttribute("data-testid", "kpi-" + k.key);
      if (k.indicator) item.setAttribute("data-indicator", k.indicator);
      item.appendChild(text("div", "dash-kpi-label", k.label));
      if (k.value === null || k.value === undefined) {
        item.appendChild(text("div", "dash-kpi-na", k.computable ? "—" : root.dataset.notComputable));
      } else {
        var v = text("div", "dash-kpi-value", fmt(k.value));
        v.setAttribute("data-value", String(k.value));
        v.appendChild(text("small", "", k.unit));
        item.appendChild(v);
      }
      box.appendChild(item);
    });
  }

  function option(chart) {
    var many = chart.categories.length;
    var legend = {type: "scroll", top: 0, data: chart.series.map(function (s) { return s.name; })};
    var base = {color: COLORS, animation: false, tooltip: {renderMode: "richText", confine: true}};
    if (chart.kind === "pie") {
      var s = chart.series[0];
      base.tooltip.trigger = "item";
      base.legend = {type: "scroll", bottom: 0};
      base.series = [{name: s.name, type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
                      label: {formatter: "{b}\n{c}"},
                      data: chart.categories.map(function (c, i) { return {name: c, value: s.data[i]}; })}];
      return base;
    }
    base.tooltip.trigger = "axis";
    base.legend = legend;
    base.grid = {left: 8, right: 24, top: 32, bottom: 8, containLabel: true};
    if (chart.kind === "line") {
      base.xAxis = {type: "category", data: chart.categories, axisLabel: {hideOverlap: true}};
      base.yAxis = {type: "value", minInterval: 1};
      base.series = chart.series.map(function (s) {
        return {name: s.name, type: "line", data: s.data, smooth: false, symbolSize: 6};
      });
      return base;
    }
    // bars lie horizontally: the names of regions, types and states stay readable at phone width
    base.yAxis = {type: "category", data: chart.categories, inverse: true,
                  axisLabel: {width: 110, overflow: "truncate"}, triggerEvent: !!chart.drill};
    base.xAxis = {type: "value", minInterval: 1};
    base.series = chart.series.map(function (s) {
      var out = {name: s.name, type: "bar", data: s.data, barMaxWidth: 22};
      if (s.stack) out.stack = s.stack;
      if (chart.drill) out.cursor = "pointer";
      return out;
    });
    return base;
  }

  function drillTo(code) {
    var url = root.dataset.page + "?region=" + encodeURIComponent(code) + "&period=" +
      encodeURIComponent(root.dataset.period);
    window.location.assign(url);
  }

  function renderCharts(box, list) {
    box.textContent = "";
    list.forEach(function (c) {
      box.appendChild(text("h3", "dash-chart-title", c.title));
      if (!c.categories.length) {
        box.appendChild(text("p", "small text-secondary mb-0", root.dataset.empty));
        return;
      }
      var el = text("div", "dash-chart");
      el.setAttribute("data-chart", c.key);
      el.setAttribute("role", "img");
      el.setAttribute("aria-label", c.title);
      if (c.drill) el.setAttribute("data-drill", c.drill.join(","));
      if (c.kind === "bar") {
        var rows = c.categories.length * (c.series.length > 1 && !c.series[0].stack ? c.series.length : 1);
        el.style.height = Math.max(200, Math.min(900, 60 + rows * 26)) + "px";
      }
      box.appendChild(el);
      var inst = window.echarts.init(el, null, {renderer: "canvas"});
      inst.setOption(option(c));
      if (c.drill) {
        inst.on("click", function (p) {
          var i = p.componentType === "yAxis" ? c.categories.indexOf(p.value) : p.dataIndex;
          if (i >= 0 && c.drill[i]) drillTo(c.drill[i]);
        });
      }
      charts.push(inst);
    });
  }

  function load(card) {
    var kpis = card.querySelector("[data-role=kpis]");
    var box = card.querySelector("[data-role=charts]");
    return fetch(card.dataset.src, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (data) {
        renderKpis(kpis, data.kpis);
        renderCharts(box, data.charts);
        card.querySelector("[data-role=fresh]").textContent =
          (data.precomputed ? root.dataset.precomputed : root.dataset.computed) + " " +
          data.fresh.replace("T", " ").slice(0, 19);
        card.setAttribute("data-precomputed", data.precomputed ? "true" : "false");
        card.setAttribute("data-loaded", "true");
      })
      .catch(function (err) {
        if (window.console) console.error("dashboard panel " + card.dataset.panel + ": " + err);
        kpis.textContent = "";
        kpis.appendChild(text("div", "alert alert-danger py-1 small mb-0", root.dataset.failed));
        card.setAttribute("data-loaded", "error");
      });
  }

  // One panel after another: the session is saved on every request (sliding expiry), and
  // parallel requests of one session can collide on SQLite (the demo's database).
  Array.prototype.reduce.call(root.querySelectorAll("[data-panel]"), function (chain, card) {
    return chain.then(function () { return load(card); });
  }, Promise.resolve());
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
  });
})();
