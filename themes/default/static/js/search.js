/* The search page of the default theme. Loads the index that `weft build` writes as
   search_index.js (window.weftSearchIndex) into elasticlunr.js, searches as you type (and for
   ?q= in the page's address), and lists each result's title, section and a snippet of its text
   with the query's words marked. Each document stores its URL path relative to the site root,
   found as the folder above this page (search/), so links work under any base path and from
   disk (where a folder's index.html is named). Its words come from the status element's data
   attributes, written by the theme in the page's language. */
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-input");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!form || !input || !status || !list) return;
  var lang = document.documentElement.lang || "en";

  /* A string of the page's language with {name} filled from `values`. */
  function say(text, values) {
    return (text || "").replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : all;
    });
  }

  /* The form of the plural strings `forms` ({"one": ..., "other": ...}) for the number n. */
  function plural(forms, n) {
    var category = "other";
    try {
      category = new Intl.PluralRules(lang).select(n);
    } catch (e) {
      category = n === 1 ? "one" : "other";
    }
    return forms[category] || forms.other || "";
  }

  function number(n) {
    try {
      return n.toLocaleString(lang);
    } catch (e) {
      return String(n);
    }
  }

  var words = status.dataset;
  var resultForms = {};
  try {
    resultForms = JSON.parse(words.results || "{}");
  } catch (e) {
    resultForms = {};
  }

  if (!window.elasticlunr || !window.weftSearchIndex) {
    status.textContent = words.unavailable || "";
    return;
  }

  var MAX_RESULTS = 50;
  var SNIPPET_WORDS = 32;
  var index = window.elasticlunr.Index.load(window.weftSearchIndex);
  var root = new URL("../", window.location.href);
  var fromDisk = window.location.protocol === "file:";
  var fields = { title: { boost: 3 }, section: { boost: 1 }, body: { boost: 1 } };

  function resultUrl(ref) {
    var url = new URL(ref, root).href;
    return fromDisk && url.charAt(url.length - 1) === "/" ? url + "index.html" : url;
  }

  function stemOf(word) {
    var w = word.toLowerCase().replace(/^[^\w\u00C0-\uFFFF]+|[^\w\u00C0-\uFFFF]+$/g, "");
    return w ? window.elasticlunr.stemmer(w) : "";
  }

  /* The index of the query stem `word` starts with (prefix, as the search expands), or -1. */
  function matchOf(word, stems) {
    var s = stemOf(word);
    if (!s) return -1;
    for (var i = 0; i < stems.length; i++) {
      if (s.indexOf(stems[i]) === 0) return i;
    }
    return -1;
  }

  /* The window of SNIPPET_WORDS words holding the most distinct query words, then the most
     matches (earliest wins). */
  function snippet(text, stems) {
    var words = text.split(/\s+/);
    var hits = words.map(function (w) { return matchOf(w, stems); });
    var best = 0;
    var bestScore = -1;
    for (var i = 0; i < words.length; i++) {
      if (hits[i] < 0) continue;
      var start = Math.max(0, i - 8);
      var seen = {};
      var score = 0;
      for (var k = start; k < Math.min(words.length, start + SNIPPET_WORDS); k++) {
        if (hits[k] < 0) continue;
        score += seen[hits[k]] ? 1 : 1000;
        seen[hits[k]] = true;
      }
      if (score > bestScore) {
        bestScore = score;
        best = start;
      }
    }
    var end = Math.min(words.length, best + SNIPPET_WORDS);
    var p = document.createElement("p");
    p.className = "search-snippet";
    if (best > 0) p.appendChild(document.createTextNode("… "));
    for (var j = best; j < end; j++) {
      if (j > best) p.appendChild(document.createTextNode(" "));
      if (hits[j] >= 0) {
        var mark = document.createElement("mark");
        mark.textContent = words[j];
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(words[j]));
      }
    }
    if (end < words.length) p.appendChild(document.createTextNode(" …"));
    return p;
  }

  function result(hit, stems) {
    var doc = index.documentStore.getDoc(hit.ref) || {};
    var li = document.createElement("li");
    li.className = "search-result";
    var h = document.createElement("h2");
    var a = document.createElement("a");
    a.href = resultUrl(doc.url || "./");
    a.textContent = doc.title || hit.ref;
    h.appendChild(a);
    li.appendChild(h);
    if (doc.section) {
      var section = document.createElement("p");
      section.className = "search-section";
      section.textContent = doc.section;
      li.appendChild(section);
    }
    if (doc.body) li.appendChild(snippet(doc.body, stems));
    return li;
  }

  function run(query) {
    query = query.trim();
    list.textContent = "";
    if (!query) {
      status.textContent = "";
      return;
    }
    var hits = index.search(query, { fields: fields, bool: "AND", expand: true });
    if (!hits.length) hits = index.search(query, { fields: fields, bool: "OR", expand: true });
    var stems = index.pipeline.run(window.elasticlunr.tokenizer(query));
    var shown = hits.slice(0, MAX_RESULTS);
    for (var i = 0; i < shown.length; i++) list.appendChild(result(shown[i], stems));
    var n = hits.length;
    var values = { count: number(n), query: query, shown: number(shown.length) };
    status.textContent =
      say(n === 0 ? words.noResults : plural(resultForms, n), values) +
      (n > shown.length ? say(words.showingFirst, values) : "");
  }

  function remember(query) {
    try {
      var url = new URL(window.location.href);
      url.searchParams.set("q", query);
      window.history.replaceState(null, "", url.href);
    } catch (e) {
      /* some browsers refuse history changes on file: pages; the search still works */
    }
  }

  var timer = null;
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      run(input.value);
      remember(input.value);
    }, 120);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    run(input.value);
    remember(input.value);
  });

  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) {
    input.value = initial;
    run(initial);
  }
})();
