/* contestapp marks: the tablet's copy of the server's mark rule (domain.types.CriterionSpec.check_mark) and the
   running total. Decimals are handled as integers of 1/10000 (the database's Fixed scale): no binary floats.
   Written for contestapp; no dependencies. */
(function (global) {
  "use strict";
  var SCALE = 10000;

  function units(text) {
    // "8.5" -> 85000; null if not a number with at most 4 decimals
    if (text === null || text === undefined) return null;
    var s = String(text).trim();
    var m = /^(-?)(\d+)(?:\.(\d{1,4}))?$/.exec(s);
    if (!m) return null;
    var frac = (m[3] || "").padEnd(4, "0");
    var v = parseInt(m[2], 10) * SCALE + parseInt(frac || "0", 10);
    return m[1] ? -v : v;
  }

  function text(u) {
    if (u === null || u === undefined) return "";
    var neg = u < 0, a = Math.abs(u);
    var whole = Math.floor(a / SCALE), frac = String(a % SCALE).padStart(4, "0").replace(/0+$/, "");
    return (neg ? "-" : "") + whole + (frac ? "." + frac : "");
  }

  // The page's texts by key (templates/judging/_tablet_text.html renders them, in the page's language, into
  // <script type="application/json" id="tablet-text">), with {name} placeholders filled from `values`. A key the
  // page lacks gives `fallback` (or the key itself).
  var TEXT = null;
  function t(key, values, fallback) {
    if (TEXT === null) {
      var node = document.getElementById("tablet-text");
      try { TEXT = node ? JSON.parse(node.textContent) : {}; } catch (e) { TEXT = {}; }
    }
    var s = Object.prototype.hasOwnProperty.call(TEXT, key) ? TEXT[key] : (fallback === undefined ? key : fallback);
    return String(s).replace(/\{(\w+)\}/g, function (m, k) {
      return values && values[k] !== undefined && values[k] !== null ? String(values[k]) : m;
    });
  }

  // Why a value is not acceptable (the server's wording, in the page's language), or null.
  function check(c, value) {
    var v = units(value);
    if (v === null) return t("check.number");
    var max = units(c.max), min = units(c.min), step = c.step ? units(c.step) : null;
    if (c.kind === "time") return v < 0 ? t("check.time") : null;
    if (c.kind === "veto") return (v === 0 || v === SCALE) ? null : t("check.veto");
    if (c.kind === "deduction" && c.deduction_per) {
      return (v >= 0 && v % SCALE === 0) ? null : t("check.count");
    }
    var low = min, high = max;
    if (c.kind === "deduction") { low = 0; high = max - min; }
    if (v < low || v > high) return t("check.range", { low: text(low), high: text(high) });
    if (c.choices && c.choices.length) {
      var ok = c.choices.some(function (x) { return units(x.value) === v; });
      if (!ok) {
        return t("check.choices", { choices: c.choices.map(function (x) { return x.label + " " + x.value; }).join(t("separator")) });
      }
    }
    if (step && (v - low) % step !== 0) return t("check.step", { step: c.step });
    return null;
  }

  // Points a criterion contributes to the running total (as the server's sheet_total).
  function points(c, value) {
    var v = units(value);
    if (v === null) return 0;
    if (c.kind === "measurement" || c.kind === "judgement" || c.kind === "bonus") return v;
    if (c.kind === "deduction") {
      var deducted = c.deduction_per ? (v / SCALE) * units(c.deduction_per) : v;
      return Math.max(units(c.min), units(c.max) - deducted);
    }
    return 0;
  }

  function total(criteria, values) {
    return text(criteria.reduce(function (sum, c) {
      var v = values[String(c.id)];
      return v === undefined || v === null || v === "" ? sum : sum + points(c, v);
    }, 0));
  }

  // The value one stepper press gives.
  function stepValue(c, value, direction) {
    var step = c.kind === "deduction" && c.deduction_per ? SCALE : (c.step ? units(c.step) : (c.kind === "time" ? SCALE : 5000));
    var v = units(value);
    if (v === null) v = c.kind === "deduction" ? 0 : units(c.min);
    v += direction * step;
    var low = c.kind === "deduction" ? 0 : units(c.min);
    var high = c.kind === "deduction" ? (c.deduction_per ? Infinity : units(c.max) - units(c.min)) : (c.kind === "time" ? Infinity : units(c.max));
    if (c.kind === "deduction" && c.deduction_per) {
      var maxCount = Math.ceil((units(c.max) - units(c.min)) / units(c.deduction_per));
      high = maxCount * SCALE;
    }
    return text(Math.min(high, Math.max(low, v)));
  }

  // Quick buttons for judgement scales: the choices, or every step of a short scale (at most 11 values).
  function quickValues(c) {
    if (c.choices && c.choices.length) return c.choices.map(function (x) { return { label: x.label, value: x.value }; });
    if (c.kind === "veto") return [{ label: t("veto.no"), value: "0" }, { label: t("veto.yes"), value: "1" }];
    if (c.kind !== "judgement" || !c.step) return [];
    var lo = units(c.min), hi = units(c.max), st = units(c.step);
    if ((hi - lo) / st > 10) return [];
    var out = [];
    for (var v = lo; v <= hi; v += st) out.push({ label: text(v), value: text(v) });
    return out;
  }

  global.ContestMarks = { units: units, text: text, check: check, total: total, stepValue: stepValue, quickValues: quickValues,
                          t: t };
})(window);
