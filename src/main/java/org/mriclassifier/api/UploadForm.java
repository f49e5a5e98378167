package org.mriclassifier.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vertx.core.MultiMap;
import java.io.IOException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
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
    /**
     * One object of strings: nesting beyond it is refused by the parser itself, whatever the code does. The body's
     * size is bounded before it gets here (UploadReader), so the image's string may be as long as the body.
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(2)
                    .maxStringLength(Integer.MAX_VALUE).build()).build();
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

    /**
     * Reads the JSON body token by token (Jackson's streaming parser), never as a tree: the form is one object of
     * string fields, so the first unknown name, nested value or second object is refused before anything else is
     * read. A 14 MB body of empty objects costs nothing but its bytes (parsed whole, it cost about 250 MiB).
     */
    private static UploadCommand fromJson(UploadReader.Body body, Actor actor) {
        Map<String, String> fields = new HashMap<>();
        try (JsonParser parser = JSON.createParser(body.json().getBytes())) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new ServiceException(400, "the request body is not a JSON object");
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_OBJECT; token = parser.nextToken()) {
                if (token != JsonToken.FIELD_NAME) {
                    throw new ServiceException(400, "the request body is not a JSON object");
                }
                String name = parser.currentName();
                if (SERVER_PATHS.contains(name)) {
                    throw ServiceException.badRequest(name, UPLOAD_THE_BYTES);
                }
                if (!FIELDS_JSON.contains(name)) {
                    throw ServiceException.badRequest(name, "is not a known field");
                }
                if (fields.containsKey(name)) {
                    throw ServiceException.badRequest(name, "appears twice");
                }
                JsonToken value = parser.nextToken();
                if (value == JsonToken.VALUE_STRING) {
                    fields.put(name, parser.getText());
                } else if (value == JsonToken.VALUE_NULL) {
                    fields.put(name, null);
                } else {
                    throw ServiceException.badRequest(name, "must be a string");
                }
            }
            if (parser.nextToken() != null) {
                throw new ServiceException(400, "the request body has content after its JSON object");
            }
        } catch (IOException e) {
            // malformed JSON, or past the parser's limits: say so without the parser's own words
            throw new ServiceException(400, "the request body is not a JSON object");
        }
        String encoded = fields.get("image");
        if (encoded == null) {
            throw ServiceException.badRequest("image", "is required: the JPEG or PNG bytes, base64-encoded");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(WHITESPACE.matcher(stripDataUrl(encoded)).replaceAll(""));
        } catch (IllegalArgumentException e) {
            throw ServiceException.badRequest("image", "is not valid base64");
        }
        return command(actor, bytes, fields.get("gender"), fields.get("hospital"), fields.get("class"));
    }

    /** The values themselves (gender, class, hospital) are checked by the MRI service, for imports too. */
    private static UploadCommand command(Actor actor, byte[] image, String gender, String hospital, String label) {
        if (image.length == 0) {
            throw ServiceException.badRequest("file", "the image is empty (0 bytes)");
        }
        return new UploadCommand(actor, image, gender, hospital, label);
    }

    private static String stripDataUrl(String encoded) {
        int comma = encoded.indexOf(',');
        return encoded.startsWith("data:") && comma > 0 ? encoded.substring(comma + 1) : encoded;
    }
}
