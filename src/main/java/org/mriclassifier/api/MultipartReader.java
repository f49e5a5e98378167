package org.mriclassifier.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostMultipartRequestDecoder;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import io.netty.handler.codec.http.multipart.MemoryFileUpload;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.mriclassifier.bus.ServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes a multipart/form-data upload as its chunks arrive, with Netty's decoder driven by us rather than by
 * Vert.x ({@code setExpectMultipart}). Vert.x feeds its decoder inside the connection's inbound queue and catches
 * only Netty's three declared decoder exceptions; anything else the decoder throws escapes that queue and the
 * request is lost: Netty 4.2.9 throws {@code ArrayIndexOutOfBoundsException} for a Content-Disposition parameter
 * without {@code =} (its {@code getContentDispositionAttribute} reads {@code values[1]} unchecked), after which the
 * request never ended (the client got the upload rate check's 408 after the grace period) or the connection was
 * closed with no answer (findings 6 and 7 of docs/FUZZING.md). Here every exception the decoder throws is a 400
 * that says the body is malformed.
 *
 * <p>Limits: form fields as Vert.x's defaults (8 KiB each, 256 fields, 1 KiB buffered while a field's end is
 * looked for); one file part, named {@code file}, of at most {@code maxImageBytes} (413 as soon as it is over).
 * Everything is on the heap (an unpooled heap allocator), and released by {@link #close()}.
 */
final class MultipartReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MultipartReader.class);
    /** Heap buffers only, so that nothing the decoder holds outlives it off the heap, whatever path a request takes. */
    private static final ByteBufAllocator HEAP = new UnpooledByteBufAllocator(false, true);
    static final int MAX_FIELD_BYTES = HttpServerOptions.DEFAULT_MAX_FORM_ATTRIBUTE_SIZE;
    static final int MAX_FIELDS = HttpServerOptions.DEFAULT_MAX_FORM_FIELDS;
    static final int MAX_BUFFERED_BYTES = HttpServerOptions.DEFAULT_MAX_FORM_BUFFERED_SIZE;
    static final String MALFORMED = "the multipart body is malformed (check its boundary and part headers)";

    private final long maxImageBytes;
    private final HttpPostMultipartRequestDecoder decoder;
    private final MultiMap attributes = MultiMap.caseInsensitiveMultiMap();
    private Buffer file;
    private String fileContentType;
    private boolean closed;

    /** @throws ServiceException 400 when the content type names no usable boundary */
    MultipartReader(String contentType, long maxImageBytes) {
        this.maxImageBytes = maxImageBytes;
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/MRI");
        // Netty matches the media type case-sensitively; HTTP does not (the boundary itself is kept as sent)
        String media = "multipart/form-data";
        request.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType.regionMatches(true, 0, media, 0, media.length())
                ? media + contentType.substring(media.length()) : contentType);
        DefaultHttpDataFactory factory = new Fields();
        factory.setMaxLimit(MAX_FIELD_BYTES);
        try {
            if (!HttpPostRequestDecoder.isMultipart(request)) {
                throw new ServiceException(400, "the Content-Type multipart/form-data needs a boundary parameter");
            }
            decoder = new HttpPostMultipartRequestDecoder(factory, request, StandardCharsets.UTF_8, MAX_FIELDS, MAX_BUFFERED_BYTES);
        } catch (ServiceException e) {
            throw e;
        } catch (RuntimeException e) {
            // an unknown charset parameter, say
            LOG.debug("Multipart content type unusable: {}", e.toString());
            throw new ServiceException(400, "the Content-Type's parameters cannot be used: multipart/form-data needs a "
                    + "boundary, and a charset, if given, must be a known one");
        }
    }

    /** Feeds one chunk of the body. @throws ServiceException the refusal, once the chunk shows what is wrong */
    void offer(Buffer chunk) {
        feed(new DefaultHttpContent(heapCopy(chunk)));
    }

    /** The body ended: what is still buffered is decoded. @throws ServiceException when the form is incomplete or wrong */
    void end() {
        feed(new DefaultLastHttpContent(HEAP.heapBuffer(0)));
    }

    Buffer file() {
        return file;
    }

    /** The file part's Content-Type, or null when there was no file part. */
    String fileContentType() {
        return fileContentType;
    }

    MultiMap attributes() {
        return attributes;
    }

    private void feed(HttpContent content) {
        if (closed) {
            content.release();
            throw new IllegalStateException("the multipart reader is closed");
        }
        try {
            decoder.offer(content);
            drain();
            checkPartial();
        } catch (ServiceException e) {
            throw e;
        } catch (HttpPostRequestDecoder.TooManyFormFieldsException e) {
            throw new ServiceException(400, "the form has more than " + MAX_FIELDS + " fields (it needs file, gender, hospital and class)");
        } catch (HttpPostRequestDecoder.TooLongFormFieldException e) {
            throw new ServiceException(400, "a form field is longer than " + MAX_FIELD_BYTES + " bytes (only the file part may be large)");
        } catch (RuntimeException e) {
            // Netty's own words (and class names) are for the log, not the client
            LOG.debug("Multipart body unreadable: {}", e.toString());
            if (overCapacity(e)) {
                throw new ServiceException(400, "a form field is longer than " + MAX_FIELD_BYTES + " bytes (only the file part may be large)");
            }
            throw new ServiceException(400, MALFORMED);
        } finally {
            content.release();
        }
    }

    /** The parts the decoder has completed. */
    private void drain() {
        try {
            while (decoder.hasNext()) {
                InterfaceHttpData data = decoder.next();
                if (data instanceof FileUpload upload) {
                    acceptFilePart(upload);
                    file = Buffer.buffer(bytes(upload));
                    fileContentType = upload.getContentType() == null ? "" : upload.getContentType();
                    // copied out: the decoder's copy goes now, not at the end of the request
                    upload.release();
                } else if (data instanceof Attribute attribute) {
                    attributes.add(attribute.getName(), value(attribute));
                }
            }
        } catch (HttpPostRequestDecoder.EndOfDataDecoderException end) {
            // the closing boundary was read: nothing more to come
        }
    }

    /** A file part being read: the right name, only one, within the size limit, as soon as it shows. */
    private void checkPartial() {
        if (decoder.currentPartialHttpData() instanceof FileUpload upload) {
            acceptFilePart(upload);
            if (upload.length() > maxImageBytes) {
                throw new ServiceException(413, "the image is larger than " + maxImageBytes + " bytes", "file");
            }
        }
    }

    private void acceptFilePart(FileUpload upload) {
        if (!"file".equals(upload.getName()) || file != null) {
            throw ServiceException.badRequest(upload.getName(), "send exactly one file part, named file");
        }
        if (upload.length() > maxImageBytes) {
            throw new ServiceException(413, "the image is larger than " + maxImageBytes + " bytes", "file");
        }
    }

    private static byte[] bytes(FileUpload upload) {
        try {
            return upload.get();
        } catch (IOException e) {
            throw new ServiceException(400, MALFORMED);
        }
    }

    private static String value(Attribute attribute) {
        try {
            return attribute.getValue();
        } catch (IOException e) {
            throw new ServiceException(400, MALFORMED);
        }
    }

    /** Netty reports a form field over its size limit as a decoder error caused by "Size exceed allowed maximum capacity". */
    private static boolean overCapacity(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("exceed allowed maximum capacity")) {
                return true;
            }
        }
        return false;
    }

    private static ByteBuf heapCopy(Buffer chunk) {
        ByteBuf buf = HEAP.heapBuffer(chunk.length());
        buf.writeBytes(chunk.getBytes());
        return buf;
    }

    /** Releases what the decoder holds: completed parts, the part being read, the undecoded bytes. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        InterfaceHttpData partial = decoder.currentPartialHttpData();
        try {
            decoder.destroy();
        } catch (RuntimeException e) {
            LOG.debug("Multipart decoder cleanup: {}", e.toString());
        }
        if (partial != null && partial.refCnt() > 0) {
            partial.release();
        }
    }

    /**
     * In memory; fields limited to {@link #MAX_FIELD_BYTES} (the factory's limit), the file part not limited here:
     * {@link #checkPartial()} answers 413 for it, within one chunk of the limit.
     */
    private static final class Fields extends DefaultHttpDataFactory {

        Fields() {
            super(false);
        }

        @Override
        public FileUpload createFileUpload(HttpRequest request, String name, String filename, String contentType,
                                           String contentTransferEncoding, Charset charset, long size) {
            return new MemoryFileUpload(name, filename, contentType, contentTransferEncoding, charset, size);
        }
    }
}
