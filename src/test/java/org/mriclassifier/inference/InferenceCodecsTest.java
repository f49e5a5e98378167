package org.mriclassifier.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.mriclassifier.bus.WireCodec;

@DisplayName("what crosses from api nodes to inference nodes reads back field for field")
class InferenceCodecsTest {

    @SuppressWarnings("unchecked")
    private static <T> WireCodec<T> codec(Class<T> type) {
        return (WireCodec<T>) InferenceCodecs.all().stream().filter(c -> c.type() == type).findFirst().orElseThrow();
    }

    private static <T> T roundTrip(WireCodec<T> codec, T value) {
        Buffer buffer = Buffer.buffer().appendString("prefix");
        codec.encodeToWire(buffer, value);
        return codec.decodeFromWire(6, buffer);
    }

    @Test
    @DisplayName("a classification request, with and without a model version")
    void request() {
        byte[] image = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, (byte) 255};
        ClassifyRequest named = roundTrip(codec(ClassifyRequest.class), new ClassifyRequest(image, 1_234_567_890_123L, "4", "rid-1"));
        assertArrayEquals(image, named.image());
        assertEquals(1_234_567_890_123L, named.deadlineMillis());
        assertEquals("4", named.modelVersion());
        assertEquals("rid-1", named.requestId());
        ClassifyRequest active = roundTrip(codec(ClassifyRequest.class), new ClassifyRequest(new byte[0], 1, null, null));
        assertEquals(0, active.image().length);
        assertEquals(null, active.modelVersion());
        assertEquals(null, active.requestId());
    }

    @Test
    @DisplayName("a classification reply with its prediction (NaN score included)")
    void reply() {
        Prediction prediction = new Prediction(0.8125f, Prediction.TUMOR, "4", 3, 1_000, 2_000, true, Double.NaN);
        byte[] stored = new byte[70_000];
        stored[69_999] = 7;
        ClassifyReply read = roundTrip(codec(ClassifyReply.class),
                new ClassifyReply(stored, "ab".repeat(32), "image/png", 512, 256, true, 0.25, 42L, prediction, "node-é"));
        assertArrayEquals(stored, read.stored());
        assertEquals("ab".repeat(32), read.sha256());
        assertEquals("image/png", read.contentType());
        assertEquals(512, read.width());
        assertEquals(256, read.height());
        assertEquals(true, read.notASlice());
        assertEquals(0.25, read.colourfulness());
        assertEquals(42L, read.preprocessNanos());
        assertEquals("node-é", read.node());
        assertEquals(prediction.probability(), read.prediction().probability());
        assertEquals(prediction.label(), read.prediction().label());
        assertEquals(prediction.modelVersion(), read.prediction().modelVersion());
        assertEquals(prediction.batchSize(), read.prediction().batchSize());
        assertEquals(prediction.queueNanos(), read.prediction().queueNanos());
        assertEquals(prediction.inferenceNanos(), read.prediction().inferenceNanos());
        assertEquals(prediction.unfamiliar(), read.prediction().unfamiliar());
        assertEquals(Double.NaN, read.prediction().unfamiliarScore());
    }

    @Test
    @DisplayName("on one node the object passes by reference; another format byte fails loudly")
    void localAndFormat() {
        ClassifyRequest request = new ClassifyRequest(new byte[]{1}, 1, null, null);
        assertSame(request, codec(ClassifyRequest.class).transform(request));
        Buffer buffer = Buffer.buffer();
        codec(ClassifyRequest.class).encodeToWire(buffer, request);
        buffer.setByte(0, (byte) 9);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> codec(ClassifyRequest.class).decodeFromWire(0, buffer));
        assertEquals(true, e.getMessage().contains("same release"), e.getMessage());
    }
}
