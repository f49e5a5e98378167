package org.mriclassifier.inference;

import io.vertx.core.buffer.Buffer;
import java.util.List;
import org.mriclassifier.bus.WireCodec;

/** The wire forms of what crosses from api nodes to inference nodes and back (registered by the composition root). */
public final class InferenceCodecs {

    private InferenceCodecs() {
    }

    public static List<WireCodec<?>> all() {
        return List.of(new RequestCodec(), new ReplyCodec(), new PredictionCodec());
    }

    static final class RequestCodec extends WireCodec<ClassifyRequest> {
        RequestCodec() {
            super(ClassifyRequest.class, 1);
        }

        @Override
        protected void write(Buffer buffer, ClassifyRequest value) {
            writeBytes(buffer, value.image());
            buffer.appendLong(value.deadlineMillis());
            writeString(buffer, value.modelVersion());
            writeString(buffer, value.requestId());
        }

        @Override
        protected ClassifyRequest read(Reader in) {
            return new ClassifyRequest(in.bytes(), in.longValue(), in.string(), in.string());
        }
    }

    static final class ReplyCodec extends WireCodec<ClassifyReply> {
        ReplyCodec() {
            super(ClassifyReply.class, 1);
        }

        @Override
        protected void write(Buffer buffer, ClassifyReply value) {
            writeBytes(buffer, value.stored());
            writeString(buffer, value.sha256());
            writeString(buffer, value.contentType());
            buffer.appendInt(value.width()).appendInt(value.height());
            writeBool(buffer, value.notASlice());
            buffer.appendDouble(value.colourfulness()).appendLong(value.preprocessNanos());
            PredictionCodec.writePrediction(buffer, value.prediction());
            writeString(buffer, value.node());
        }

        @Override
        protected ClassifyReply read(Reader in) {
            return new ClassifyReply(in.bytes(), in.string(), in.string(), in.intValue(), in.intValue(), in.bool(),
                    in.doubleValue(), in.longValue(), PredictionCodec.readPrediction(in), in.string());
        }
    }

    static final class PredictionCodec extends WireCodec<Prediction> {
        PredictionCodec() {
            super(Prediction.class, 1);
        }

        static void writePrediction(Buffer buffer, Prediction value) {
            buffer.appendFloat(value.probability());
            writeString(buffer, value.label());
            writeString(buffer, value.modelVersion());
            buffer.appendInt(value.batchSize()).appendLong(value.queueNanos()).appendLong(value.inferenceNanos());
            writeBool(buffer, value.unfamiliar());
            buffer.appendDouble(value.unfamiliarScore());
        }

        static Prediction readPrediction(Reader in) {
            return new Prediction(in.floatValue(), in.string(), in.string(), in.intValue(), in.longValue(), in.longValue(),
                    in.bool(), in.doubleValue());
        }

        @Override
        protected void write(Buffer buffer, Prediction value) {
            writePrediction(buffer, value);
        }

        @Override
        protected Prediction read(Reader in) {
            return readPrediction(in);
        }
    }
}
