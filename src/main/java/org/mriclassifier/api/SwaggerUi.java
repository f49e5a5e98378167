package org.mriclassifier.api;

/** The documentation page: Swagger UI from its webjar, pointed at the served contract. */
final class SwaggerUi {

    static final String PAGE = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <title>MRI classification server: API</title>
              <link rel="stylesheet" href="/docs/swagger-ui.css">
            </head>
            <body>
              <div id="swagger-ui"></div>
              <script src="/docs/swagger-ui-bundle.js"></script>
              <script src="/docs/init.js"></script>
            </body>
            </html>
            """;

    /** A file, not an inline script, so the page's Content-Security-Policy can forbid inline scripts. */
    static final String INITIALIZER = """
            window.onload = function () {
              window.ui = SwaggerUIBundle({ url: "/openapi.yaml", dom_id: "#swagger-ui", deepLinking: true });
            };
            """;

    private SwaggerUi() {
    }
}
