package org.mriclassifier.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    @DisplayName("reads a descriptor written before CLAHE existed as CLAHE off, and keeps CLAHE settings in a round trip")
    void claheInJson() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        String old = "{\"workingSize\":256,\"blurKernel\":5,\"threshold\":45,\"erodeIterations\":2,\"dilateIterations\":2,"
                + "\"morphKernel\":3,\"crop\":true,\"minContourAreaFraction\":0.01,\"outputSize\":128,\"channels\":1}";
        PreprocessSpec read = mapper.readValue(old, PreprocessSpec.class);
        assertFalse(read.clahe());
        assertEquals(PreprocessSpec.original().withOutputSize(128).withChannels(1), read);

        PreprocessSpec equalised = read.withClahe(2.5, 4);
        assertTrue(equalised.clahe());
        assertEquals(equalised, mapper.readValue(mapper.writeValueAsString(equalised), PreprocessSpec.class));
    }

    @Test
    @DisplayName("rejects settings the pipeline cannot run with")
    void rejectsInvalidSettings() {
        assertThrows(IllegalArgumentException.class, () -> PreprocessSpec.original().withChannels(2));
        assertThrows(IllegalArgumentException.class, () -> PreprocessSpec.original().withOutputSize(0));
        assertThrows(IllegalArgumentException.class, () -> new PreprocessSpec(256, 4, 45, 2, 2, 3, true, 0.01, 32, 3, 0, 8));
        assertThrows(IllegalArgumentException.class, () -> PreprocessSpec.original().withClahe(-1, 8));
        assertThrows(IllegalArgumentException.class, () -> PreprocessSpec.original().withClahe(2, 33));
    }
}
