package org.mriclassifier.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes an immutable payload by reference between verticles of this process. Image bytes and pixel arrays
 * are not copied or serialised on the way. It has no wire form, by design: the payloads that cross nodes
 * (a classification's request and reply) have a {@link WireCodec}; those that hold a process's own objects (a
 * lease on a loaded model, a heat map job) stay on their node, sent only to local consumers.
 */
public final class LocalCodec<T> implements MessageCodec<T, T> {

    private final Class<T> type;

    public LocalCodec(Class<T> type) {
        this.type = type;
    }

    @Override
    public void encodeToWire(Buffer buffer, T value) {
        throw new UnsupportedOperationException(type.getSimpleName() + " is a local-only event-bus payload");
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
        throw new UnsupportedOperationException(type.getSimpleName() + " is a local-only event-bus payload");
    }

    @Override
    public T transform(T value) {
        return value;
    }

    @Override
    public String name() {
        return "local:" + type.getName();
    }

    @Override
    public byte systemCodecID() {
        return -1;
    }
}
