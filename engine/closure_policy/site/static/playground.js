// The playground: edit a facts document, see the decision as the article's checklist.
// The document lives in the URL's fragment (#...), which browsers never send to a server or its logs.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("playground-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var query = $("query"), lang = $("lang"), example = $("example");
  var editor = window.CodeMirror.fromTextArea($("facts"), {
    mode: {name: "javascript", json: true}, lineNumbers: true, matchBrackets: true, lineWrapping: true,
    viewportMargin: Infinity,  // the editor grows with the document: a long one is read by scrolling the page
    gutters: ["CodeMirror-lint-markers"], lint: {getAnnotations: function () { return marks; }, lintOnChange: false},
    extraKeys: {Tab: false, "Shift-Tab": false}  // the keyboard leaves the editor as it leaves any field
  });
  var marks = [], timer = null, asked = 0;

  // The page's own words in the chosen language (the rules bring their texts in the decision).
  function word(key, n) { return (data.words[lang.value] || data.words[data.languages[0]])[key].replace("{n}", n); }
  function relabel() {
    document.documentElement.lang = lang.value;
    document.querySelectorAll("[data-word]").forEach(function (el) { el.textContent = word(el.dataset.word); });
    editor.setOption("screenReaderLabel", word("facts_label"));
    fillExamples();
  }

  function option(select, value, text) {
    var o = document.createElement("option");
    o.value = value; o.textContent = text; select.appendChild(o);
  }
  function text(texts) { return (texts && (texts[lang.value] || texts[data.languages[0]])) || ""; }
  function fillQueries() {
    var chosen = query.value; query.textContent = "";
    Object.keys(data.queries).forEach(function (q) { option(query, q, q + " — " + text(data.queries[q].title)); });
    if (chosen) { query.value = chosen; }
  }
  data.languages.forEach(function (l) { option(lang, l, l); });
  // The example files first (as written), then the suites' decision cases: values "f0", "c0"...
  function fillExamples() {
    var chosen = example.value; example.textContent = "";
    option(example, "", "—");
    [["files", "example_files", function (ex) { return ex.name; }],
     ["examples", "suite_cases", function (ex) { return ex.query + ": " + ex.name; }]].forEach(function (kind) {
      if (!data[kind[0]].length) { return; }
      var group = document.createElement("optgroup"); group.label = word(kind[1]);
      data[kind[0]].forEach(function (ex, i) { option(group, kind[0] === "files" ? "f" + i : "c" + i, kind[2](ex)); });
      example.appendChild(group);
    });
    example.value = chosen;
  }

  function encode(textValue) {
    var bytes = new TextEncoder().encode(textValue), s = "";
    bytes.forEach(function (b) { s += String.fromCharCode(b); });
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function decode(value) {
    var s = atob(value.replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder().decode(Uint8Array.from(s, function (c) { return c.charCodeAt(0); }));
  }
  function share() {
    return location.pathname + "#" + new URLSearchParams({query: query.value, lang: lang.value,
                                                         facts: encode(editor.getValue())}).toString();
  }

  // Where a JSON pointer's value starts in the text: a small scanner over the document as written.
  function locate(source, pointer) {
    var path = pointer.split("/").slice(1).map(function (p) { return p.replace(/~1/g, "/").replace(/~0/g, "~"); });
    var i = 0;
    function ws() { while (i < source.length && /\s/.test(source[i])) { i++; } }
    function str() { var start = i; i++; while (i < source.length && source[i] !== '"') { if (source[i] === "\\") { i++; } i++; } i++; return JSON.parse(source.slice(start, i)); }
    function skip() {
      ws(); var c = source[i];
      if (c === '"') { str(); return; }
      if (c === "{" || c === "[") {
        var close = c === "{" ? "}" : "]"; i++; ws();
        while (i < source.length && source[i] !== close) {
          if (c === "{") { ws(); str(); ws(); i++; }
          skip(); ws(); if (source[i] === ",") { i++; } ws();
        }
        i++; return;
      }
      while (i < source.length && !/[,\]}\s]/.test(source[i])) { i++; }
    }
    try {
      for (var depth = 0; depth < path.length; depth++) {
        ws(); var key = path[depth], found = false;
        if (source[i] === "{") {
          i++; ws();
          while (source[i] !== "}") { ws(); var k = str(); ws(); i++; ws(); if (k === key) { found = true; break; } skip(); ws(); if (source[i] === ",") { i++; } ws(); }
        } else if (source[i] === "[") {
          i++; ws(); var n = 0;
          while (source[i] !== "]") { if (String(n) === key) { found = true; break; } skip(); ws(); if (source[i] === ",") { i++; } ws(); n++; }
        }
        if (!found) { break; }
      }
    } catch (err) { return 0; }
    return Math.min(i, source.length);
  }

  function showProblems(problems) {
    var list = $("problems"); list.textContent = ""; marks = [];
    var source = editor.getValue();
    problems.forEach(function (p) {
      var at = editor.posFromIndex(locate(source, p.pointer || ""));
      marks.push({from: at, to: {line: at.line, ch: at.ch + 1}, message: (p.pointer || "/") + ": " + p.message,
                  severity: "error"});
      var item = document.createElement("li");
      var where = document.createElement("code"); where.textContent = p.pointer || "/";
      var jump = document.createElement("button"); jump.type = "button"; jump.textContent = word("line", at.line + 1);
      jump.addEventListener("click", function () { editor.focus(); editor.setCursor(at); });
      item.appendChild(where); item.appendChild(document.createTextNode(" " + p.message + " ")); item.appendChild(jump);
      list.appendChild(item);
    });
    editor.performLint();
  }

  function showDecision(decision) {
    var q = data.queries[query.value], violated = {};
    decision.violations.forEach(function (v) { violated[v.rule] = v; });
    $("outcome").textContent = decision.outcome;
    $("outcome").className = decision.violations.length ? "bad" : "ok";
    var list = $("checklist"); list.textContent = "";
    var steps = q.steps.length ? q.steps : [{step: null, title: {}}];
    steps.forEach(function (step) {
      var rules = q.rules.filter(function (r) { return q.steps.length ? r.step === step.step : true; });
      if (!rules.length) { return; }
      var item = document.createElement("li");
      var head = document.createElement("h3"); head.textContent = text(step.title); item.appendChild(head);
      var inner = document.createElement("ul");
      rules.forEach(function (r) {
        var v = violated[r.id], li = document.createElement("li");
        li.className = v ? "bad" : "ok"; li.dataset.rule = r.id;
        li.textContent = (v ? "✗ " : "✓ ") + text(r.title);
        if (v) {
          var msg = document.createElement("p"); msg.textContent = v.message; li.appendChild(msg);
          var fixes = document.createElement("ul");
          v.remediation.forEach(function (t) { var f = document.createElement("li"); f.textContent = t; fixes.appendChild(f); });
          li.appendChild(fixes);
        }
        inner.appendChild(li);
      });
      item.appendChild(inner); list.appendChild(item);
    });
    showTrace(decision.trace || []);
    $("revision").textContent = decision.policy.revision;
  }

  // Each rule the decision evaluated, and each comparison with the values it compared.
  function showTrace(trace) {
    var list = $("trace"); list.textContent = "";
    trace.forEach(function (t) {
      var item = document.createElement("li");
      var head = document.createElement("p");
      var id = document.createElement("code"); id.textContent = t.rule; head.appendChild(id);
      head.appendChild(document.createTextNode(" " + (t.fired ? "✗ " + word("violated") : "✓ " + word("holds")) + " · " + t.at));
      item.appendChild(head);
      var tests = document.createElement("ul");
      (t.conditions || []).concat(t.then || []).forEach(function (c) {
        var li = document.createElement("li"), what = document.createElement("code");
        what.textContent = c.condition; li.appendChild(what);
        li.appendChild(document.createTextNode(": " + JSON.stringify(c.left) + " vs " + JSON.stringify(c.right) +
                                               " → " + c.result + (c.negated ? " " + word("under_not") : "")));
        tests.appendChild(li);
      });
      item.appendChild(tests); list.appendChild(item);
    });
  }

  function decide() {
    var mine = ++asked, body = editor.getValue();
    history.replaceState(null, "", share());
    fetch("/v1/decisions/" + encodeURIComponent(query.value) + "?explain=true&lang=" + encodeURIComponent(lang.value),
          {method: "POST", headers: {"Content-Type": "application/json", "Decision-Source": "playground"}, body: body})
      .then(function (r) { return r.json().then(function (answer) { return {ok: r.ok, answer: answer}; }); })
      .then(function (got) {
        if (mine !== asked) { return; }
        if (got.ok) { showProblems([]); showDecision(got.answer); return; }
        $("outcome").textContent = got.answer.title || "invalid";
        $("outcome").className = "bad"; $("checklist").textContent = "";
        showProblems(got.answer.problems || [{pointer: "", message: got.answer.detail || "refused"}]);
      });
  }
  function later() { clearTimeout(timer); timer = setTimeout(decide, 250); }

  // A suite case brings its question and language; an example file is a document for the question asked.
  function load(choice) {
    var ex = (choice[0] === "f" ? data.files : data.examples)[+choice.slice(1)];
    if (ex.query) { query.value = ex.query; }
    if (ex.lang) { lang.value = ex.lang; relabel(); }
    example.value = choice; fillQueries();
    editor.setValue(ex.text !== undefined ? ex.text : JSON.stringify(ex.facts, null, 2)); decide();
  }
  $("controls").addEventListener("submit", function (ev) { ev.preventDefault(); });
  editor.on("change", later);
  query.addEventListener("change", decide);
  lang.addEventListener("change", function () { relabel(); fillQueries(); decide(); });
  example.addEventListener("change", function () { if (example.value) { load(example.value); } });
  $("share").addEventListener("click", function () {
    var link = location.origin + share();
    if (navigator.clipboard) { navigator.clipboard.writeText(link).catch(function () {}); }
    $("share").textContent = word("link_copied");
  });

  var given = new URLSearchParams(location.hash.slice(1));
  lang.value = data.languages.indexOf(given.get("lang")) >= 0 ? given.get("lang") : data.languages[0];
  relabel(); fillQueries();
  if (given.get("facts")) {
    query.value = given.get("query") || query.value;
    editor.setValue(decode(given.get("facts"))); decide();
  } else if (data.files.length || data.examples.length) {
    load(data.files.length ? "f0" : "c0");
  }
})();
