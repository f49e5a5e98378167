package org.mriclassifier.inference;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;

/** Reads and writes model.json. */
public final class ModelDescriptors {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ModelDescriptors() {
    }

    public static ModelDescriptor read(Path modelDir) throws IOException {
        return MAPPER.readValue(modelDir.resolve(ModelDescriptor.FILE_NAME).toFile(), ModelDescriptor.class);
    }

    public static void write(Path modelDir, ModelDescriptor descriptor) throws IOException {
        MAPPER.writeValue(modelDir.resolve(ModelDescriptor.FILE_NAME).toFile(), descriptor);
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
