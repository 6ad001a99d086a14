// The API page: Swagger UI (vendored) renders the service's own /openapi.json. No validator badge: it
// would send the document to swagger.io. No deep links: Swagger UI puts each operation's link inside the
// button that opens it, a control nested in a control (axe-core: nested-interactive, WCAG 4.1.2).
window.addEventListener("load", function () {
  "use strict";
  window.ui = window.SwaggerUIBundle({
    url: "/openapi.json", dom_id: "#swagger-ui", validatorUrl: null, deepLinking: false,
    defaultModelsExpandDepth: 0, tryItOutEnabled: false
  });
  // What Swagger UI's markup leaves out, added as it renders (axe-core, WCAG 4.1.2 and 2.1.1): a name for
  // each parameter's value list, and the keyboard's way into each example that scrolls.
  var root = document.getElementById("swagger-ui");
  new MutationObserver(function () {
    root.querySelectorAll("tr[data-param-name] select:not([aria-label])").forEach(function (select) {
      select.setAttribute("aria-label", select.closest("tr").getAttribute("data-param-name"));
    });
    root.querySelectorAll(".highlight-code .microlight:not([tabindex]), .body-param__example:not([tabindex])")
      .forEach(function (block) { block.setAttribute("tabindex", "0"); });
  }).observe(root, {childList: true, subtree: true});
});
