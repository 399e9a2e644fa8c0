// Filters for the countries index (weft default theme).
// Progressive enhancement: without this script every country is listed and the form stays
// hidden. With it, the form appears; ticking programmes keeps the countries that at least one
// ticked programme references, the relation select keeps those with that relation; region
// groups left empty are hidden, the map dims countries filtered out, and a live region says
// how many countries are shown, in the words the theme wrote into its data attributes (the
// page's language; plural forms chosen with Intl.PluralRules for <html lang>).
(function () {
  "use strict";
  var form = document.querySelector("form.filters[data-filter-target]");
  if (!form) return;
  var list = document.getElementById(form.getAttribute("data-filter-target"));
  if (!list) return;
  var items = Array.prototype.slice.call(list.querySelectorAll("li[data-programmes]"));
  var regions = Array.prototype.slice.call(list.querySelectorAll(".region"));
  var status = document.getElementById("weft-filter-status");
  var map = document.querySelector(".world-map");
  var select = form.querySelector("select[name=relation]");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=programme]"));
  var lang = document.documentElement.lang || "en";

  function forms(name) {
    try {
      return JSON.parse((status && status.getAttribute(name)) || "{}");
    } catch (e) {
      return {};
    }
  }
  var countForms = forms("data-count");
  var showingForms = forms("data-showing");

  function number(n) {
    try {
      return n.toLocaleString(lang);
    } catch (e) {
      return String(n);
    }
  }

  /* The plural form of `all` for n (the count shown, which the verb agrees with), with {count}
     and {total} filled in. */
  function say(all, n, values) {
    var category = "other";
    try {
      category = new Intl.PluralRules(lang).select(n);
    } catch (e) {
      category = n === 1 ? "one" : "other";
    }
    var text = all[category] || all.other || "";
    return text.replace(/\{(count|total)\}/g, function (x, name) { return values[name]; });
  }

  function words(value, sep) {
    return (value || "").split(sep).filter(function (s) { return s !== ""; });
  }

  function apply() {
    var progs = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    var relation = select ? select.value : "";
    var shown = 0;
    var hiddenIso = {};
    items.forEach(function (li) {
      var mine = words(li.getAttribute("data-programmes"), /\s+/);
      var rels = words(li.getAttribute("data-relations"), "|");
      var ok = (progs.length === 0 || progs.some(function (p) { return mine.indexOf(p) !== -1; })) &&
               (relation === "" || rels.indexOf(relation) !== -1);
      li.hidden = !ok;
      if (ok) shown += 1;
      var iso = li.getAttribute("data-iso");
      if (iso && !ok) hiddenIso[iso] = true;
    });
    regions.forEach(function (region) {
      region.hidden = !region.querySelector("li[data-programmes]:not([hidden])");
    });
    if (map) {
      Array.prototype.forEach.call(map.querySelectorAll("[data-iso]"), function (el) {
        el.classList.toggle("is-dimmed", hiddenIso[el.getAttribute("data-iso")] === true);
      });
    }
    if (status) {
      var values = { count: number(shown), total: number(items.length) };
      status.textContent = shown === items.length
        ? say(countForms, items.length, { count: values.total, total: values.total })
        : say(showingForms, shown, values);
    }
  }

  form.addEventListener("change", apply);
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  form.hidden = false;
  apply();
})();
