// The API page: Swagger UI (vendored) renders the service's own /openapi.json. No validator badge: it
// would send the document to swagger.io.
window.addEventListener("load", function () {
  "use strict";
  window.ui = window.SwaggerUIBundle({
    url: "/openapi.json", dom_id: "#swagger-ui", validatorUrl: null, deepLinking: true,
    defaultModelsExpandDepth: 0, tryItOutEnabled: false
  });
});
