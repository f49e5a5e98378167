package org.mriclassifier.mri.images;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** The configured image store ({@code images.store}: {@code postgres}, the default, or {@code s3}). */
public final class ImageStores {

    private ImageStores() {
    }

    public static Future<ImageStore> create(Vertx vertx, JsonObject images) {
        JsonObject config = images == null ? new JsonObject() : images;
        String store = config.getString("store", "postgres");
        return switch (store) {
            case "postgres" -> Future.succeededFuture(new PostgresImageStore());
            case "s3" -> S3ImageStore.create(vertx, config);
            default -> Future.failedFuture(new IllegalArgumentException(
                    "images.store (MRI_IMAGES_STORE) must be postgres or s3, not " + store));
        };
    }
}
