package org.mriclassifier.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Preprocessing spec")
class PreprocessSpecTest {

    @Test
    @DisplayName("reproduces the original project's settings")
    void originalSettings() {
        PreprocessSpec original = PreprocessSpec.original();
        assertEquals(256, original.workingSize());
        assertEquals(5, original.blurKernel());
        assertEquals(45, original.threshold());
        assertEquals(2, original.erodeIterations());
        assertEquals(2, original.dilateIterations());
        assertEquals(32, original.outputSize());
        assertEquals(32 * 32 * 3, original.pixelsPerImage());
    }

    @Test
    @DisplayName("survives a JSON round trip, so model.json carries it exactly")
    void jsonRoundTrip() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        PreprocessSpec spec = PreprocessSpec.original().withOutputSize(128).withChannels(1);
        assertEquals(spec, mapper.readValue(mapper.writeValueAsString(spec), PreprocessSpec.class));
    }

    @Test
    @DisplayName("rejects settings the pipeline cannot run with")
    void rejectsInvalidSettings() {
        assertThrows(IllegalArgumentException.class, () -> PreprocessSpec.original().withChannels(2));
        assertThrows(IllegalArgumentException.class, () -> PreprocessSpec.original().withOutputSize(0));
        assertThrows(IllegalArgumentException.class, () -> new PreprocessSpec(256, 4, 45, 2, 2, 3, true, 0.01, 32, 3));
    }
}
