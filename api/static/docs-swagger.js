// Starts Swagger UI on /docs. A file of its own, not an inline script: the pages' Content-Security-Policy
// allows scripts from this server only.
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({ url: root.dataset.openapiUrl, dom_id: "#swagger-ui", deepLinking: true });
