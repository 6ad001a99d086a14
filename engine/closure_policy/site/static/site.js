// The catalog's search box: the index (search-index.js) holds every query and rule in every language;
// the page's own language is searched. Works from file://: nothing is fetched.
(function () {
  "use strict";
  var input = document.getElementById("search");
  var list = document.getElementById("results");
  if (!input || !list) { return; }
  var lang = document.documentElement.lang;
  var entries = (window.SEARCH_INDEX || []).filter(function (entry) { return entry.lang === lang; });
  input.addEventListener("input", function () {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!words.length) { return; }
    var found = entries.filter(function (entry) {
      var text = (entry.title + " " + entry.text).toLowerCase();
      return words.every(function (word) { return text.indexOf(word) >= 0; });
    }).slice(0, 12);
    if (!found.length) {
      var none = document.createElement("li");
      none.textContent = input.dataset.none || "Nothing found.";
      list.appendChild(none);
      return;
    }
    found.forEach(function (entry) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = entry.href;
      link.textContent = entry.title;
      item.appendChild(link);
      list.appendChild(item);
    });
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { input.value = ""; list.textContent = ""; }
  });
})();
