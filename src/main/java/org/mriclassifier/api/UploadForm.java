package org.mriclassifier.api;

import io.vertx.core.MultiMap;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.Set;
import java.util.regex.Pattern;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.mri.UploadCommand;

/**
 * Reads an upload's fields in code, as the contract describes them (MriUploadForm, MriUploadJson): the image,
 * {@code gender}, {@code hospital}, optionally {@code class}; nothing else. A body naming a file on the
 * server, as the original API did, is refused with a pointer to uploading the bytes.
 */
final class UploadForm {

    private static final Set<String> FIELDS_FORM = Set.of("gender", "hospital", "class");
    private static final Set<String> FIELDS_JSON = Set.of("image", "gender", "hospital", "class");
    private static final Set<String> SERVER_PATHS = Set.of("path", "image_path", "file_path", "filepath", "filename", "file");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final String UPLOAD_THE_BYTES = "the server does not read files from its own disk: "
            + "upload the image bytes (multipart part named file, or base64 in the JSON field image)";

    private UploadForm() {
    }

    static UploadCommand parse(UploadReader.Body body, Actor actor, long maxImageBytes) {
        UploadCommand command = body.json() != null ? fromJson(body, actor) : fromForm(body, actor);
        if (command.image().length > maxImageBytes) {
            throw new ServiceException(413, "the image is larger than " + maxImageBytes + " bytes", "file");
        }
        return command;
    }

    private static UploadCommand fromForm(UploadReader.Body body, Actor actor) {
        MultiMap form = body.attributes();
        for (String name : form.names()) {
            if (SERVER_PATHS.contains(name)) {
                throw ServiceException.badRequest(name, UPLOAD_THE_BYTES);
            }
            if (!FIELDS_FORM.contains(name)) {
                throw ServiceException.badRequest(name, "is not a known field");
            }
        }
        if (body.fileContentType() == null) {
            throw ServiceException.badRequest("file", "is required: the JPEG or PNG bytes as a file part");
        }
        return command(actor, body.file().getBytes(), form.get("gender"), form.get("hospital"), form.get("class"));
    }

    private static UploadCommand fromJson(UploadReader.Body body, Actor actor) {
        JsonObject json;
        try {
            json = body.json().toJsonObject();
        } catch (DecodeException | ClassCastException e) {
            throw new ServiceException(400, "the request body is not a JSON object");
        }
        for (String name : json.fieldNames()) {
            if (SERVER_PATHS.contains(name)) {
                throw ServiceException.badRequest(name, UPLOAD_THE_BYTES);
            }
            if (!FIELDS_JSON.contains(name)) {
                throw ServiceException.badRequest(name, "is not a known field");
            }
        }
        Object image = json.getValue("image");
        if (!(image instanceof String encoded)) {
            throw ServiceException.badRequest("image", "is required: the JPEG or PNG bytes, base64-encoded");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(WHITESPACE.matcher(stripDataUrl(encoded)).replaceAll(""));
        } catch (IllegalArgumentException e) {
            throw ServiceException.badRequest("image", "is not valid base64");
        }
        return command(actor, bytes, text(json, "gender"), text(json, "hospital"), text(json, "class"));
    }

    /** The values themselves (gender, class, hospital) are checked by the MRI service, for imports too. */
    private static UploadCommand command(Actor actor, byte[] image, String gender, String hospital, String label) {
        if (image.length == 0) {
            throw ServiceException.badRequest("file", "the image is empty (0 bytes)");
        }
        return new UploadCommand(actor, image, gender, hospital, label);
    }

    private static String text(JsonObject json, String field) {
        Object value = json.getValue(field);
        if (value != null && !(value instanceof String)) {
            throw ServiceException.badRequest(field, "must be a string");
        }
        return (String) value;
    }

    private static String stripDataUrl(String encoded) {
        int comma = encoded.indexOf(',');
        return encoded.startsWith("data:") && comma > 0 ? encoded.substring(comma + 1) : encoded;
    }
}
