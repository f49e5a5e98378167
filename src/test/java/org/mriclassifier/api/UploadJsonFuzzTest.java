package org.mriclassifier.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.auth.Role;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.mri.UploadCommand;
import org.mriclassifier.testing.Promise;

/**
 * The JSON upload body ({@code {"image": base64, "gender", "hospital", "class"}}) on any bytes: it reads as an
 * upload command with a non-empty image within the size limit, or is refused with a 4xx naming what was
 * wrong; never another exception (a JSON {@code null}, an array, deep nesting, huge numbers, bad base64).
 */
class UploadJsonFuzzTest {

    static final long MAX_IMAGE_BYTES = 64 * 1024;
    static final Actor ACTOR = new Actor("00000000-0000-0000-0000-000000000001", "fuzz", Role.DOCTOR, "hq", "127.0.0.1", "fuzz");

    @FuzzTest(maxDuration = "6s")
    void jsonBodyReadsAsAnUploadOrIsRefused(byte[] body) {
        UploadCommand command;
        try {
            command = UploadForm.parse(new UploadReader.Body(null, null, null, Buffer.buffer(body)), ACTOR, MAX_IMAGE_BYTES);
        } catch (ServiceException refused) {
            Promise.clearRefusal(refused, new String(body, StandardCharsets.UTF_8));
            return;
        }
        assertTrue(command.image().length > 0 && command.image().length <= MAX_IMAGE_BYTES, "an image within the limit");
        assertTrue(command.actor() == ACTOR, "on behalf of the caller");
    }
}
