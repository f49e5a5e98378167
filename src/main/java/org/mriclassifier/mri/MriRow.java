package org.mriclassifier.mri;

import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import org.mriclassifier.bus.EntityTags;

/** One row of the data set, without its bytes. */
public record MriRow(UUID id, String gender, String hospital, String label, String prediction, float probability,
                     String modelVersion, String imageSha256, String contentType, int sizeBytes, int width, int height,
                     String createdBy, OffsetDateTime createdAt, OffsetDateTime updatedAt, int version,
                     boolean unfamiliar, Float unfamiliarScore, boolean classConfirmed, String updatedBy) {

    /** The strong entity tag of this version of the row. */
    public String etag() {
        return EntityTags.of(version);
    }

    /** A float read as a double prints noise digits (0.9986242055892944); six decimals say all it knows. */
    static double rounded(float probability) {
        return Math.round(probability * 1e6) / 1e6;
    }

    public JsonObject toJson() {
        return new JsonObject()
                .put("id", id.toString())
                .put("gender", gender)
                .put("hospital", hospital)
                .put("class", label)
                .put("class_confirmed", classConfirmed)
                .put("prediction", prediction)
                .put("probability", rounded(probability))
                .put("unfamiliar", unfamiliar)
                .put("unfamiliar_score", unfamiliarScore == null ? null : Math.round(unfamiliarScore * 1e3) / 1e3)
                .put("model_version", modelVersion)
                .put("image_sha256", imageSha256)
                .put("content_type", contentType)
                .put("size_bytes", sizeBytes)
                .put("width", width)
                .put("height", height)
                .put("image_url", "/MRI/" + id + "/image")
                .put("created_by", createdBy)
                .put("created_at", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(createdAt))
                .put("updated_at", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(updatedAt))
                .put("updated_by", updatedBy)
                .put("version", version);
    }
}
