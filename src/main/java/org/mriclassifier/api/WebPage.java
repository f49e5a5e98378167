package org.mriclassifier.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The staff's web page: {@code /} (in the contract) and its files under {@value #ASSETS}, from the jar's
 * {@code web/} folder. Every answer carries the page's Content-Security-Policy: nothing inline, nothing from
 * another origin, images only from here or the page's own {@code blob:} URLs (the authorised images it fetched).
 */
final class WebPage {

    static final String ASSETS = "/app/";
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private final Buffer index = read("web/index.html");

    void mount(RouterBuilder rb) {
        rb.getRoute("getWebPage").addHandler(this::getWebPage);
    }

    void mountAssets(Router router) {
        router.get(ASSETS + "*").handler(ctx -> {
            // the files change with the jar only; a short cache keeps a reload after an upgrade honest
            ctx.response().putHeader("Content-Security-Policy", CSP).putHeader("Cache-Control", "max-age=300");
            ctx.next();
        }).handler(StaticHandler.create("web/app").setCachingEnabled(true).setDirectoryListing(false));
    }

    private void getWebPage(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Content-Security-Policy", CSP)
                .putHeader("Cache-Control", "no-cache")
                .end(index);
    }

    private static Buffer read(String resource) {
        try (InputStream in = WebPage.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the jar has no " + resource);
            }
            return Buffer.buffer(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
