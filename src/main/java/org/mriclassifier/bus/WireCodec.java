package org.mriclassifier.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.nio.charset.StandardCharsets;

/**
 * A codec for an immutable payload that may cross to another node: on one node it passes the object by reference
 * (as {@link LocalCodec} does), between nodes it writes a small binary form (a format byte first, so a node of
 * another release fails loudly instead of misreading). Subclasses write and read the fields in one order with the
 * helpers here.
 */
public abstract class WireCodec<T> implements MessageCodec<T, T> {

    private final Class<T> type;
    private final byte format;

    protected WireCodec(Class<T> type, int format) {
        this.type = type;
        this.format = (byte) format;
    }

    protected abstract void write(Buffer buffer, T value);

    protected abstract T read(Reader reader);

    @Override
    public final void encodeToWire(Buffer buffer, T value) {
        buffer.appendByte(format);
        write(buffer, value);
    }

    @Override
    public final T decodeFromWire(int pos, Buffer buffer) {
        byte found = buffer.getByte(pos);
        if (found != format) {
            throw new IllegalStateException(type.getSimpleName() + " arrived in format " + found + ", this node reads " + format
                    + ": every node of a cluster must run the same release");
        }
        return read(new Reader(buffer, pos + 1));
    }

    @Override
    public final T transform(T value) {
        return value;
    }

    @Override
    public final String name() {
        return "wire:" + type.getName();
    }

    @Override
    public final byte systemCodecID() {
        return -1;
    }

    public Class<T> type() {
        return type;
    }

    protected static void writeBytes(Buffer buffer, byte[] bytes) {
        buffer.appendInt(bytes.length).appendBytes(bytes);
    }

    /** A string or null. */
    protected static void writeString(Buffer buffer, String value) {
        if (value == null) {
            buffer.appendInt(-1);
        } else {
            writeBytes(buffer, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Reads what the write helpers wrote, in the same order. */
    protected static final class Reader {
        private final Buffer buffer;
        private int pos;

        Reader(Buffer buffer, int pos) {
            this.buffer = buffer;
            this.pos = pos;
        }

        public byte[] bytes() {
            int length = buffer.getInt(pos);
            byte[] bytes = buffer.getBytes(pos + 4, pos + 4 + length);
            pos += 4 + length;
            return bytes;
        }

        public String string() {
            int length = buffer.getInt(pos);
            if (length < 0) {
                pos += 4;
                return null;
            }
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        public int intValue() {
            int value = buffer.getInt(pos);
            pos += 4;
            return value;
        }

        public long longValue() {
            long value = buffer.getLong(pos);
            pos += 8;
            return value;
        }

        public float floatValue() {
            float value = buffer.getFloat(pos);
            pos += 4;
            return value;
        }

        public double doubleValue() {
            double value = buffer.getDouble(pos);
            pos += 8;
            return value;
        }

        public boolean bool() {
            return buffer.getByte(pos++) != 0;
        }
    }

    protected static void writeBool(Buffer buffer, boolean value) {
        buffer.appendByte((byte) (value ? 1 : 0));
    }
}
