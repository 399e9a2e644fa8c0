/* The search page of the default theme. Loads the index that `weft build` writes as
   search_index.js (window.weftSearchIndex) into elasticlunr.js, searches as you type (and for
   ?q= in the page's address), and lists each result's title, section and a snippet of its text
   with the query's words marked. Each document stores its URL path relative to the site root,
   found as the folder above this page (search/), so links work under any base path and from
   disk (where a folder's index.html is named). Its words come from the status element's data
   attributes, written by the theme in the page's language.
   Queries go through the pipeline the index names, so they are cut, trimmed and stemmed by the
   rules of the index's language: elasticlunr's English built in; weft's own trimmer and French
   elision, defined here as src/output/search/language.rs defines them; French and Spanish stop
   words and stemmers from lunr-languages (js/lunr-languages/, beside this script), loaded only
   when the index names them. */
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

  function unavailable() {
    status.textContent = words.unavailable || "";
  }
  var elasticlunr = window.elasticlunr;
  if (!elasticlunr || !window.weftSearchIndex) return unavailable();

  var MAX_RESULTS = 50;
  var SNIPPET_WORDS = 32;
  var scripts = new URL(".", document.currentScript.src);
  var index = null;
  /* The index's pipeline less its stop-word filter, for the words of a snippet. */
  var wordPipeline = null;
  var root = new URL("../", window.location.href);
  var fromDisk = window.location.protocol === "file:";
  var fields = { title: { boost: 3 }, section: { boost: 1 }, body: { boost: 1 } };

  function resultUrl(ref) {
    var url = new URL(ref, root).href;
    return fromDisk && url.charAt(url.length - 1) === "/" ? url + "index.html" : url;
  }

  /* The index of the query stem a term of `word` starts with (prefix, as the search expands),
     or -1. A stop word is marked too when it begins with a query word. */
  function matchOf(word, stems) {
    var terms = wordPipeline.run(elasticlunr.tokenizer(word));
    for (var t = 0; t < terms.length; t++) {
      for (var i = 0; i < stems.length; i++) {
        if (terms[t].indexOf(stems[i]) === 0) return i;
      }
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
    if (!index) return;
    query = query.trim();
    list.textContent = "";
    if (!query) {
      status.textContent = "";
      return;
    }
    var hits = index.search(query, { fields: fields, bool: "AND", expand: true });
    if (!hits.length) hits = index.search(query, { fields: fields, bool: "OR", expand: true });
    var stems = index.pipeline.run(elasticlunr.tokenizer(query));
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

  /* weft's pipeline functions (src/output/search/language.rs): what is neither a letter nor a
     digit trimmed from both ends of a word (Rust's char::is_alphanumeric); and the elided
     article before a French word dropped ("l'OIT" is found by "OIT"). */
  var TRIMMED = /^[^\p{Alphabetic}\p{N}]+|[^\p{Alphabetic}\p{N}]+$/gu;
  var ELIDED = /^(?:c|d|j|l|m|n|s|t|qu|jusqu|lorsqu|puisqu|quoiqu)['\u2019]([\s\S]+)$/;
  elasticlunr.Pipeline.registerFunction(function (token) {
    return token.replace(TRIMMED, "") || undefined;
  }, "weft-trimmer");
  elasticlunr.Pipeline.registerFunction(function (token) {
    var elided = ELIDED.exec(token);
    return elided ? elided[1] : token;
  }, "weft-elision-fr");

  /* lunr-languages is written for lunr, which elasticlunr.js also defines as `lunr`, less the
     helper its stop-word filters are made with. */
  window.lunr = window.lunr || elasticlunr;
  elasticlunr.generateStopWordFilter = function (words) {
    var stop = Object.create(null);
    words.forEach(function (w) { stop[w] = true; });
    return function (token) {
      return token && !stop[token] ? token : undefined;
    };
  };

  /* lunr-languages' scripts for the functions the index names and nobody registered yet
     ("stemmer-fr": lunr.fr.js, after the stemmers' common support). */
  function languageScripts(names) {
    var files = [];
    names.forEach(function (name) {
      var code = /-([a-z]{2})$/.exec(name);
      if (elasticlunr.Pipeline.getRegisteredFunction(name) || !code) return;
      var file = "lunr-languages/lunr." + code[1] + ".js";
      if (files.indexOf(file) < 0) files.push(file);
    });
    return files.length ? ["lunr-languages/lunr.stemmer.support.js"].concat(files) : [];
  }

  /* Adds `files` one after another (each needs the one before), then calls `done`. A
     <script> loads from file: where fetch() may not. */
  function load(files, done) {
    if (!files.length) return done();
    var script = document.createElement("script");
    script.src = new URL(files[0], scripts).href;
    script.onload = function () { load(files.slice(1), done); };
    script.onerror = unavailable;
    document.head.appendChild(script);
  }

  function start() {
    var names = window.weftSearchIndex.pipeline;
    try {
      index = elasticlunr.Index.load(window.weftSearchIndex);
      wordPipeline = elasticlunr.Pipeline.load(names.filter(function (name) {
        return name.indexOf("stopWordFilter") !== 0;
      }));
    } catch (e) {
      return unavailable();
    }
    if (input.value.trim()) run(input.value);
  }

  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) input.value = initial;
  load(languageScripts(window.weftSearchIndex.pipeline), start);
})();
